"""The Engine protocol on a Typesense cluster.

A search reads the one collection the alias named when the engine opened (its
generation), so a search never mixes two builds. Plans become Typesense requests
(`queries`): which talks have each query group (a facet count of talk ids), then
Typesense's own ranking of documents grouped by talk, then the best documents of
the talks on the page. Talk records and the spelling vocabularies are read once
per generation and kept.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from typesense import exceptions

from indexer.core.settings import TypesenseSettings
from indexer.engines.protocol import (
    FIELD_WEIGHTS,
    SPELLING_FIELDS,
    Budget,
    BuildProgress,
    BuildReport,
    EngineStats,
    EngineUnavailable,
    FacetCount,
    IndexMissing,
    Kind,
    Matches,
    MeaningInfo,
    Plan,
    TalkContent,
)
from indexer.engines.records import count_facets, doc_number, note_hit, passage_hit, transcribed
from indexer.engines.typesense import published as builder
from indexer.engines.typesense import schema
from indexer.engines.typesense.client import connect, node_client, read_published
from indexer.engines.typesense.queries import Searcher
from indexer.engines.vocabulary import Vocabulary, record_vocabulary

if TYPE_CHECKING:
    import typesense

    from indexer.ingest import Ingested

EXPORT_FIELDS = "id,kind,talk_id,video_id,start,end,text,line"
LATEST_SECONDS = 1.0
FREQUENCIES_KEPT = 50_000


class TypesenseEngine:
    name = "typesense"

    def __init__(self, settings: TypesenseSettings, index_dir: Path) -> None:
        self.settings = settings
        self.index_dir = index_dir  # where the build lock lives
        self._lock = threading.Lock()
        self._client: typesense.Client | None = None
        self._collection: str | None = None
        self._meta: dict = {}
        self._records: dict[str, dict] | None = None
        self._vocabularies: dict[str, Vocabulary] = {}
        self._latest: tuple[float, str | None] | None = None  # when asked, and the answer
        self._frequencies: dict[str, dict[str, int]] = {}  # term -> field -> documents

    @property
    def client(self) -> typesense.Client:
        if self._client is None:
            self._client = connect(self.settings)
        return self._client

    # -- generations ------------------------------------------------------------------

    def _published(self) -> tuple[str, dict] | None:
        """The collection the alias names and its summary, as the next node asked says."""
        target = builder.alias_target(self.client, self.settings, self.settings.collection_prefix)
        if target is None:
            return None
        meta = builder.read_meta(self.client, self.settings, target)
        return (target, meta) if builder.usable(meta) else None

    def _agreed(self) -> tuple[str, dict] | None:
        """What most of the nodes that answer publish (the newest on a tie).

        A node catching up still names the collection or build it held before; asked
        alone it could make a server open, and keep, an older generation than the cluster
        publishes. Most nodes hold every write the cluster acknowledged, so their answer
        only ever moves forward."""
        if len(self.settings.nodes) < 2:
            return self._published()
        views: list[tuple[str | None, dict]] = []
        for url in self.settings.nodes:
            node = node_client(self.settings, url)
            try:
                target = builder.alias_target(node, self.settings, self.settings.collection_prefix)
                views.append((target, builder.meta_here(node, self.settings, target)
                              if target else {}))  # fmt: skip
            except EngineUnavailable:
                continue  # (down: the others decide)
        if not views:
            return self._published()  # (raises EngineUnavailable naming every node)
        votes = Counter((target, meta.get("build")) for target, meta in views)
        target, build = max(votes, key=lambda key: (  # most votes, then a build, then newest
            votes[key], key[1] is not None, key[0] or "", key[1] or 0))
        meta = next(meta for found, meta in views if (found, meta.get("build")) == (target, build))
        return (target, meta) if target is not None and builder.usable(meta) else None

    def latest_generation(self) -> str | None:
        """Asked before every request by the web app: answered from the cluster at most
        once a LATEST_SECONDS, so a new build is served within that time. An answer that
        differs from the last is checked with every node (`_agreed`)."""
        now = time.monotonic()
        if self._latest is None or now - self._latest[0] > LATEST_SECONDS:
            name = _generation_name(self._published())
            if self._latest is None or name != self._latest[1]:
                name = _generation_name(self._agreed())
            self._latest = (now, name)
        return self._latest[1]

    def _missing(self) -> str:
        """Why no collection can be read: none published, or one made by another version."""
        prefix = self.settings.collection_prefix
        if builder.alias_target(self.client, self.settings, prefix) is None:
            return "no Typesense index yet: run `talkseek index --engine typesense`"
        return ("the Typesense index was made by another version of talkseek: "
                "run `talkseek index --engine typesense` to rebuild it")  # fmt: skip

    def opened(self) -> str:
        """The collection this engine reads (chosen at first use)."""
        with self._lock:
            if self._collection is None:
                published = self._agreed()
                if published is None:
                    raise IndexMissing(self._missing())
                self._collection, self._meta = published
            return self._collection

    def generation(self) -> str:
        collection = self.opened()
        return f"{collection}#{self._meta['build']}"

    def build(self, ingested: Ingested, full: bool = False,
              progress: BuildProgress | None = None) -> BuildReport:  # fmt: skip
        from indexer.engines.typesense.build import build

        self._latest = None
        return build(self.settings, self.index_dir, ingested, full, progress)

    # -- what searches need, read once per generation --------------------------------

    def _export(self, filter_by: str, fields: str) -> list[dict]:
        collection = self.opened()
        wanted = {"filter_by": filter_by, "include_fields": fields}
        text = read_published(self.settings, self.client, lambda node: node
                              .collections[collection].documents.export(wanted))  # fmt: skip
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def talks(self) -> dict[str, dict]:
        if self._records is None:
            found = self._export(f"kind:={Kind.TALK.value}", "talk_id,record")
            records = {d["talk_id"]: json.loads(d["record"]) for d in found if d.get("record")}
            with self._lock:
                self._records = records
        return self._records

    def vocabulary(self, field: str) -> Vocabulary:
        if field not in SPELLING_FIELDS:
            raise ValueError(f"{field} keeps no spelling words")
        if field not in schema.VOCABULARY_FIELDS:
            return self._record_vocabulary(field)
        if field not in self._vocabularies:
            collection = self.opened()
            try:
                key = f"{schema.VOCABULARY}:{field}"
                found = read_published(self.settings, self.client, lambda node: (
                    node.collections[collection].documents[key].retrieve()))
                payload = json.loads(found["payload"])
            except exceptions.ObjectNotFound:
                payload = {"words": [], "frequencies": []}
            vocabulary = Vocabulary(payload["words"],
                                    np.array(payload["frequencies"], dtype=np.int64))  # fmt: skip
            with self._lock:
                self._vocabularies[field] = vocabulary
        return self._vocabularies[field]

    def _record_vocabulary(self, field: str) -> Vocabulary:
        if field not in self._vocabularies:
            vocabulary = record_vocabulary(self.talks().values(), field)
            with self._lock:
                self._vocabularies[field] = vocabulary
        return self._vocabularies[field]

    def warm(self) -> None:
        self.talks()
        for field in SPELLING_FIELDS:
            self.vocabulary(field)

    def document_frequency(self, field: str, term: str) -> int:
        """Asked field by field by the planner: the first ask fetches the term's counts in
        every field in one request, and the counts are kept for the generation."""
        counts = self._frequencies.get(term)
        if counts is None:
            counts = self._searcher().document_frequencies(term, tuple(FIELD_WEIGHTS))
            with self._lock:
                if len(self._frequencies) >= FREQUENCIES_KEPT:
                    self._frequencies.clear()
                self._frequencies[term] = counts
        return counts.get(field, 0)

    def _searcher(self) -> Searcher:
        return Searcher(self.client, self.settings, self.opened(), self.talks())

    # -- searching and reading ----------------------------------------------------------

    def search(self, plan: Plan, first: int, last: int, budget: Budget | None = None) -> Matches:
        return self._searcher().search(plan, first, last, budget)

    def talk(self, talk_id: str) -> TalkContent | None:
        record = self.talks().get(talk_id)
        if record is None:
            return None
        found = self._export(f"talk_id:={talk_id}", EXPORT_FIELDS)
        notes = sorted((d for d in found if d["kind"] == Kind.NOTE),
                       key=lambda d: doc_number(d["id"]))  # fmt: skip
        passages = sorted((d for d in found if d["kind"] == Kind.PASSAGE),
                          key=lambda d: doc_number(d["id"]))  # fmt: skip
        return TalkContent(record, [note_hit(d) for d in notes],
                           [passage_hit(d) for d in passages])  # fmt: skip

    def talk_ids(self) -> list[str]:
        return sorted(self.talks())

    def records(self) -> list[dict]:
        return list(self.talks().values())

    def overview(self) -> dict[str, list[FacetCount]]:
        return count_facets(self.talks().values(), ranked=False)

    def meaning(self) -> MeaningInfo | None:
        self.opened()
        found = self._meta.get("meaning")
        if not isinstance(found, dict):
            return None
        return MeaningInfo(str(found["model"]), str(found["key"]), int(found["dimensions"]))

    def verify(self, thorough: bool = True) -> list[str]:
        """What is wrong: no alias, a summary that does not match, nodes that lag."""
        try:
            collection = self.opened()
        except IndexMissing as missing:
            return [str(missing)]
        problems = []
        expected = int(self._meta.get("documents", -1)) + builder.EXTRA_DOCUMENTS
        for url in self.settings.nodes:
            node = connect(self.settings, (url,))
            try:
                held = node.collections[collection].retrieve()["num_documents"]
            except Exception as error:
                problems.append(f"{url}: cannot read collection {collection} ({error})")
                continue
            if held != expected:
                problems.append(f"{url}: {held} documents in {collection}, {expected} expected")
        if thorough and len(self.talks()) != self._meta.get("talks"):
            problems.append(f"{len(self.talks())} talk records, {self._meta.get('talks')} built")
        return problems

    def stats(self) -> EngineStats:
        self.opened()
        records = self.talks()
        return EngineStats(
            engine=self.name,
            generation=self.generation(),
            talks=len(records),
            documents=int(self._meta.get("documents", 0)),
            passages=int(self._meta.get("passages", 0)),
            transcribed=sum(transcribed(record) for record in records.values()),
            with_video=sum(bool(record.get("videos")) for record in records.values()),
        )

    def close(self) -> None:
        self._client = None  # the client's connections are pooled per process


def _generation_name(published: tuple[str, dict] | None) -> str | None:
    return None if published is None else f"{published[0]}#{published[1]['build']}"
