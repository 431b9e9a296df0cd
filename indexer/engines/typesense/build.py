"""Ingested talks → a Typesense collection behind one alias, fully or incrementally.

A full build fills a new collection (`PREFIX_<time>`), waits until every node that
answers holds all of it, then moves the alias `PREFIX` to it in one step (Typesense
moves one alias at a time, so everything a search reads lives in that one
collection). The collection it replaced stays behind a second alias,
`PREFIX_previous`, for searches still reading it; older ones, and collections of
builds that died before their alias moved, are dropped. An update changes the
aliased collection in place: the documents of a changed talk are upserted with a
new build number, then its documents of earlier builds deleted.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

import numpy as np
from typesense import exceptions

from indexer.core.analysis import ANALYZER_VERSION, spelling_words
from indexer.core.settings import TypesenseSettings
from indexer.core.talks import Talk
from indexer.engines.build_lock import build_lock
from indexer.engines.documents import talk_documents
from indexer.engines.protocol import (
    FIELD_WEIGHTS,
    NAME_FIELDS,
    BuildProgress,
    BuildReport,
    EngineUnavailable,
    Kind,
)
from indexer.engines.records import vector_text
from indexer.engines.typesense import schema
from indexer.engines.typesense.client import call, connect
from indexer.engines.typesense.published import (
    EXTRA_DOCUMENTS,
    alias_target,
    previous_alias,
    read_meta,
    usable,
)
from indexer.ingest import Ingested
from indexer.ingest.documents import content_hash, talk_passages, talk_record

BATCH = 1000  # documents per import request
MOSTLY_CHANGED = 20  # as for Whoosh: an update rewriting most talks builds afresh
REPLICATION_SECONDS = 300.0
IMPORT_ATTEMPTS = 4


class BuildFailed(EngineUnavailable):
    """Typesense refused documents of a build; the alias was not moved."""


def typesense_documents(document: dict, build: int, vector: np.ndarray | None = None) -> dict:
    """One talkseek document as Typesense stores it (see `schema`)."""
    stored: dict = {"id": document["doc_id"], "kind": document["kind"],
                    "talk_id": document["talk_id"], "build": build}  # fmt: skip
    if document.get("video_id"):
        stored["video_id"] = document["video_id"]
    all_terms: set[str] = set()
    for field in FIELD_WEIGHTS:
        text = document.get(field)
        if text:
            stored[field] = schema.analysed(text, name=field in NAME_FIELDS)
            all_terms.update(stored[field].split())
    stored["terms"] = sorted(all_terms)
    stored["repeated"] = int(bool(document.get("repeated")))
    if document.get("start", -1.0) >= 0:
        stored["start"] = float(document["start"])
    for name in ("text", "content_hash"):
        if document.get(name):
            stored[name] = document[name]
    if document.get("end") is not None:
        stored["end"] = float(document["end"])
    if document.get("line") is not None:
        stored["line"] = int(document["line"])
    if document.get("talk") is not None:
        stored["record"] = json.dumps(document["talk"], ensure_ascii=False)
    if vector is not None and vector.any():
        stored[schema.VECTOR] = [round(float(x), 6) for x in vector]
    return stored


def _vocabularies(ingested: Ingested, talks: Iterable[Talk]) -> dict[str, Counter[str]]:
    """Per spelling field, each unstemmed word of these talks and how many documents hold it."""
    counts: dict[str, Counter[str]] = {field: Counter() for field in schema.VOCABULARY_FIELDS}
    for talk in talks:
        counts["title"].update(spelling_words(talk.title))
        for note in talk.notes:
            counts["note"].update(spelling_words(note.text))
        for _, passage in talk_passages(talk, ingested):
            counts["transcript"].update(spelling_words(passage.text))
    return counts


def _stored_vocabularies(client, settings, collection: str, talk_ids: list[str]
                         ) -> dict[str, Counter[str]]:  # fmt: skip
    """The same counts for talks as the collection holds them now (their old documents)."""
    counts: dict[str, Counter[str]] = {field: Counter() for field in schema.VOCABULARY_FIELDS}
    for first in range(0, len(talk_ids), 100):
        listed = ",".join(talk_ids[first : first + 100])
        wanted = {"filter_by": f"talk_id:[{listed}]", "include_fields": "kind,text,record"}
        text = call(settings, partial(client.collections[collection].documents.export, wanted))
        for line in text.splitlines():
            document = json.loads(line) if line.strip() else {}
            if document.get("kind") == Kind.TALK and document.get("record"):
                counts["title"].update(spelling_words(json.loads(document["record"])["title"]))
            elif document.get("kind") == Kind.NOTE:
                counts["note"].update(spelling_words(document.get("text", "")))
            elif document.get("kind") == Kind.PASSAGE:
                counts["transcript"].update(spelling_words(document.get("text", "")))
    return counts


def _read_vocabularies(client, settings, collection: str) -> dict[str, Counter[str]]:
    counts = {}
    for field in schema.VOCABULARY_FIELDS:
        found = call(settings, client.collections[collection]
                     .documents[f"{schema.VOCABULARY}:{field}"].retrieve)  # fmt: skip
        payload = json.loads(found["payload"])
        counts[field] = Counter(dict(zip(payload["words"], payload["frequencies"], strict=True)))
    return counts


def _extra_documents(vocabularies: dict[str, Counter[str]], build: int, stats: dict) -> list[dict]:
    extra = []
    for field, counts in vocabularies.items():
        words = sorted(counts)
        payload = {"words": words, "frequencies": [counts[word] for word in words]}
        extra.append({"id": f"{schema.VOCABULARY}:{field}", "kind": schema.VOCABULARY,
                      "talk_id": "", "build": build, "payload": json.dumps(payload)})  # fmt: skip
    meta = {"format": schema.FORMAT, "analyzer": ANALYZER_VERSION, "build": build,
            "built_at": time.time(), **stats}  # fmt: skip
    if stats.get("meaning") is None:
        meta.pop("meaning", None)
    extra.append({"id": schema.META_ID, "kind": schema.META, "talk_id": "", "build": build,
                  "payload": json.dumps(meta)})  # fmt: skip
    return extra


def _batches(documents: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _import(client, settings, collection: str, documents: list[dict], action: str) -> None:
    """Import a batch; a batch whose answer comes back garbled (a busy cluster's node can
    answer an import with an empty body) is sent again as an upsert, which is idempotent."""
    for attempt in range(IMPORT_ATTEMPTS):
        try:
            importer = client.collections[collection].documents.import_
            results = call(settings, partial(importer, documents, {"action": action}))
            break
        except EngineUnavailable as error:
            garbled = isinstance(error.__cause__, exceptions.TypesenseClientError) and (
                "Invalid response" in str(error.__cause__))  # fmt: skip
            if not garbled or attempt == IMPORT_ATTEMPTS - 1:
                raise
            action = "upsert"
            time.sleep(1.0 + attempt)
    failed = [r for r in results if not r.get("success")]
    if failed:
        raise BuildFailed(f"Typesense refused {len(failed)} of {len(documents)} documents "
                          f"of collection {collection}: {failed[0].get('error')}")  # fmt: skip


def wait_replicated(settings: TypesenseSettings, collection: str, expected: int,
                    seconds: float = REPLICATION_SECONDS) -> None:  # fmt: skip
    """Return once every node that answers holds `expected` documents of `collection`
    (a node that is down catches up through Raft when it is back)."""
    clients = [connect(settings, (url,)) for url in settings.nodes]
    _wait(settings, clients, collection, expected, seconds)


def _wait(settings, clients, collection: str, expected: int, seconds: float) -> None:
    ends = time.monotonic() + seconds
    behind: list[str] = []
    while time.monotonic() < ends:
        behind = []
        for url, node in zip(settings.nodes, clients, strict=True):
            try:
                held = node.collections[collection].retrieve()["num_documents"]
            except Exception:
                continue
            if held != expected:
                behind.append(f"{url} has {held} of {expected}")
        if not behind:
            return
        time.sleep(0.2)
    raise BuildFailed(f"collection {collection} did not reach every node: {'; '.join(behind)}")


def wait_alias(settings: TypesenseSettings, alias: str, collection: str,
               seconds: float = REPLICATION_SECONDS) -> None:  # fmt: skip
    """Return once every node that answers sends readers of `alias` to `collection`, so a
    search right after the build finds it whichever node it asks."""
    clients = [connect(settings, (url,)) for url in settings.nodes]
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        behind = []
        for url, node in zip(settings.nodes, clients, strict=True):
            try:
                target = node.aliases[alias].retrieve()["collection_name"]
            except exceptions.ObjectNotFound:
                target = None
            except Exception:  # (a node that does not answer is not waited for)
                continue
            if target != collection:
                behind.append(url)
        if not behind:
            return
        time.sleep(0.1)
    raise BuildFailed(f"the alias {alias} did not reach {', '.join(behind)}")


def _drop_unused(client, settings: TypesenseSettings, keep: set[str]) -> None:
    """Drop this prefix's collections no alias points to (builds that died included)."""
    prefix = f"{settings.collection_prefix}_"
    for found in call(settings, lambda: client.collections.retrieve()):
        name = str(found["name"])
        if name.startswith(prefix) and name[len(prefix):][:1].isdigit() and name not in keep:
            with contextlib.suppress(exceptions.ObjectNotFound):
                call(settings, client.collections[name].delete)


def build(settings: TypesenseSettings, index_dir: Path, ingested: Ingested, full: bool = False,
          progress: BuildProgress | None = None) -> BuildReport:  # fmt: skip
    """Write the talks to Typesense: a new collection behind the alias, or an update."""
    began = time.monotonic()
    report = _build(connect(settings, patient=True), settings, index_dir, ingested, full, progress)
    report.seconds = time.monotonic() - began
    return report


def _build(client, settings, index_dir, ingested, full, progress) -> BuildReport:
    alias = settings.collection_prefix
    with build_lock(index_dir):
        current = alias_target(client, settings, alias)
        meta = read_meta(client, settings, current) if current else {}
        report_note = ""
        if current and not usable(meta):
            current, report_note = None, "the index was made by another version, so it was rebuilt"
        elif current and not _same_model(meta.get("meaning"), ingested):
            full, report_note = True, "the meaning model changed, so the index was rebuilt"
        records = {talk.id: talk_record(talk, ingested) for talk in ingested.talks}
        hashes = {talk.id: content_hash(records[talk.id], talk, ingested)
                  for talk in ingested.talks}  # fmt: skip
        stored = _stored_hashes(client, settings, current) if current and not full else {}
        changed = sum(stored.get(talk_id) != digest for talk_id, digest in hashes.items())
        if stored and changed >= MOSTLY_CHANGED and changed > len(hashes) / 2:
            stored = {}
        if current is None or full or not stored:
            report = _full(client, settings, ingested, records, hashes, progress, current)
        else:
            report = _update(client, settings, current, meta, ingested, records, hashes, stored,
                             progress)  # fmt: skip
        report.note = report.note or report_note
    return report


def _stored_hashes(client, settings, collection: str) -> dict[str, str]:
    text = call(settings, lambda: client.collections[collection].documents.export(
        {"filter_by": f"kind:={Kind.TALK.value}", "include_fields": "talk_id,content_hash"}))
    hashes = {}
    for line in text.splitlines():
        if line.strip():
            document = json.loads(line)
            hashes[document["talk_id"]] = document.get("content_hash", "")
    return hashes


def _stats(ingested: Ingested, documents: int) -> dict:
    passages = sum(len(talk_passages(talk, ingested)) for talk in ingested.talks)
    return {"talks": len(ingested.talks), "documents": documents, "passages": passages,
            "meaning": _meaning_info(ingested)}  # fmt: skip


def _meaning_info(ingested: Ingested) -> dict | None:
    """The model of the vectors a build writes, as `meta` records it."""
    meaning = ingested.meaning
    if meaning is None:
        return None
    return {"model": meaning.model, "key": meaning.key, "dimensions": meaning.dimensions}


def _same_model(stored: dict | None, ingested: Ingested) -> bool:
    """Whether the collection's vectors are those of this build's model: recorded under its
    key, or under the key earlier versions gave the same files (an update then records
    the key of now)."""
    now = _meaning_info(ingested)
    if stored == now:
        return True
    earlier = ingested.meaning.earlier_key if ingested.meaning is not None else None
    return now is not None and earlier is not None and stored == {**now, "key": earlier}


def _full(client, settings, ingested, records, hashes, progress, current) -> BuildReport:
    name = f"{settings.collection_prefix}_{time.strftime('%Y%m%d%H%M%S')}_{time.time_ns() % 10**6}"
    dimensions = ingested.meaning.dimensions if ingested.meaning is not None else None
    call(settings, lambda: client.collections.create(schema.collection_schema(name, dimensions)))
    report = BuildReport(full=True)
    try:
        documents = _talk_documents(ingested, records, hashes, ingested.talks, 1, progress)
        for batch in _batches(documents, BATCH):
            _import(client, settings, name, batch, "create")
            report.documents += len(batch)
        report.added = len(ingested.talks)
        extra = _extra_documents(_vocabularies(ingested, ingested.talks), 1,
                                 _stats(ingested, report.documents))  # fmt: skip
        _import(client, settings, name, extra, "create")
        wait_replicated(settings, name, report.documents + len(extra))
    except BaseException:
        # a build that failed leaves no collection behind (else the next build drops it)
        with contextlib.suppress(Exception):
            client.collections[name].delete()
        raise
    call(settings, lambda: client.aliases.upsert(settings.collection_prefix,
                                                 {"collection_name": name}))  # fmt: skip
    wait_alias(settings, settings.collection_prefix, name)
    keep = {name}
    if current:
        call(settings, lambda: client.aliases.upsert(previous_alias(settings),
                                                     {"collection_name": current}))  # fmt: skip
        keep.add(current)
    _drop_unused(client, settings, keep)
    return report


def _talk_documents(ingested, records, hashes, talks, build: int,
                    progress: BuildProgress | None) -> Iterator[dict]:  # fmt: skip
    total = len(ingested.talks)
    meaning = ingested.meaning
    for done, talk in enumerate(talks, start=1):
        passages = talk_passages(talk, ingested)
        documents = list(talk_documents(talk, records[talk.id], passages, hashes[talk.id],
                                        ingested.repeated))  # fmt: skip
        vectors = (meaning.lookup([vector_text(d) for d in documents]) if meaning is not None
                   else [None] * len(documents))  # fmt: skip
        for document, vector in zip(documents, vectors, strict=True):
            yield typesense_documents(document, build, vector)
        if progress is not None:
            progress(done, total)


def _update(client, settings, current, meta, ingested, records, hashes, stored,
            progress) -> BuildReport:  # fmt: skip
    report = BuildReport(full=False)
    build_number = int(meta.get("build", 1)) + 1
    gone = sorted(stored.keys() - hashes.keys())
    changed = [talk for talk in ingested.talks if stored.get(talk.id) != hashes[talk.id]]
    # the vocabularies change by what the rewritten talks held before and hold now
    rewritten = gone + [talk.id for talk in changed if talk.id in stored]
    vocabularies = _read_vocabularies(client, settings, current)
    for field, before in _stored_vocabularies(client, settings, current, rewritten).items():
        vocabularies[field].subtract(before)
    for field, now in _vocabularies(ingested, changed).items():
        vocabularies[field].update(now)
    for counts in vocabularies.values():
        for word in [word for word, count in counts.items() if count <= 0]:
            del counts[word]
    report.removed = len(gone)
    report.updated = sum(talk.id in stored for talk in changed)
    report.added = len(changed) - report.updated
    report.unchanged = len(ingested.talks) - len(changed)
    for batch in _batches(_talk_documents(ingested, records, hashes, changed, build_number, None),
                          BATCH):  # fmt: skip
        _import(client, settings, current, batch, "upsert")
        report.documents += len(batch)
    for first in range(0, len(rewritten), 100):
        listed = ",".join(rewritten[first : first + 100])
        older = {"filter_by": f"talk_id:[{listed}] && build:<{build_number}"}
        call(settings, partial(client.collections[current].documents.delete, older))
    if progress is not None:
        progress(len(ingested.talks), len(ingested.talks))
    documents = call(settings, lambda: client.collections[current].retrieve())["num_documents"]
    extra = _extra_documents(vocabularies, build_number,
                             _stats(ingested, documents - EXTRA_DOCUMENTS))  # fmt: skip
    _import(client, settings, current, extra, "upsert")
    return report
