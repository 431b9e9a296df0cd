"""Talks, notes and passages → the Whoosh index, fully or incrementally.

Each talk carries a content hash of everything indexed about it (its record,
notes and its videos' passages); an incremental build re-analyses only talks
whose hash changed. Either way the build happens in a new generation folder
that is swapped in atomically (see `generations`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from indexer.core.files import atomic_write
from indexer.engines.documents import talk_documents
from indexer.engines.protocol import BuildProgress, BuildReport, Kind
from indexer.engines.whoosh import checksums, compat, generations
from indexer.engines.whoosh.postings import export_postings
from indexer.engines.whoosh.schema import make_schema
from indexer.engines.whoosh.vectors import export_vectors
from indexer.engines.whoosh.writer import CheckedMpWriter
from indexer.ingest import Ingested
from indexer.ingest.documents import content_hash, talk_passages, talk_record

WRITER_PROCS = 2
#: Postings each writer process sorts in memory (by Whoosh's estimate, close to the real
#: size) before it spills a sorted run to disk (see compat.py): an eighth of the machine's
#: memory, within these bounds. Spilled runs are merged back one posting at a time in
#: Python, which took a third of a writer's time on the benchmark corpus.
POOL_SHARE = 8
POOL_MB_BOUNDS = (256, 1536)
#: An update that would rewrite at least this many talks, and most of them, builds afresh.
MOSTLY_CHANGED = 20
HASHES = "talk-hashes.json"  # in each generation: what an update compares against
#: What a full build does once every talk is handed to its writers (steps: writers done,
#: then segments whose arrays are written): each takes a good share of the build.
WRITING_SEGMENTS = "writing index segments"
EXPORTING = "exporting posting arrays"


def _stored_hashes(folder: Path) -> dict[str, str]:
    """Each indexed talk's content hash: from the generation's list, else from its documents."""
    try:
        hashes = json.loads((folder / HASHES).read_text(encoding="utf-8"))
        if isinstance(hashes, dict):
            return hashes
    except (OSError, ValueError):
        pass
    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        return {
            fields["talk_id"]: fields.get("content_hash", "")
            for fields in searcher.documents(kind=Kind.TALK.value)
        }


def build_index(
    collection: Ingested,
    index_dir: Path,
    full: bool = False,
    progress: BuildProgress | None = None,
) -> BuildReport:
    """Write the index for what ingest gave; incremental unless `full` or no usable index."""
    compat.apply()
    began = time.monotonic()
    with generations.build_lock(index_dir):
        generations.remove_leftovers(index_dir)
        previous = None if full else generations.current(index_dir)
        damage = checksums.problems(previous) if previous is not None else []
        if damage:  # never build on a damaged generation: start afresh
            previous = None
        stored = _stored_hashes(previous) if previous is not None else {}
        records = {talk.id: talk_record(talk, collection) for talk in collection.talks}
        hashes = {talk.id: content_hash(records[talk.id], talk, collection)
                  for talk in collection.talks}  # fmt: skip
        changed = sum(stored.get(talk_id) != digest for talk_id, digest in hashes.items())
        if previous is not None and changed >= MOSTLY_CHANGED and changed > len(hashes) / 2:
            previous, stored = None, {}  # rewriting most talks one by one is slower
        report = BuildReport(full=previous is None)
        if damage:
            report.note = f"the index was damaged ({damage[0]}), so it was rebuilt in full"
        building = generations.new_generation(index_dir, copy_from=previous)
        try:
            _build(collection, building, previous, records, hashes, stored, report, progress)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)  # a full disk gets its space back
            raise
        generations.publish(index_dir, building)
    report.seconds = time.monotonic() - began
    return report


def _build(collection, building, previous, records, hashes, stored, report, progress) -> None:
    """Write the generation folder `building` (a copy of `previous` to update, or empty)."""
    ix = (
        whoosh_index.open_dir(str(building))
        if previous is not None
        else whoosh_index.create_in(str(building), make_schema())
    )
    # A fresh build analyses on both cores; an update touches few talks. Segments
    # stay separate files: Whoosh reads a compound segment file into memory
    # (hundreds of MB per server process), separate files it reads from disk.
    options = {"limitmb": pool_mb(), "compound": False, "codec": _codec()}
    if previous is None:
        writer = CheckedMpWriter(ix, procs=WRITER_PROCS, multisegment=True,
                                 progress=_stage(progress, WRITING_SEGMENTS), **options)
    else:
        writer = ix.writer(**options)
    try:
        _write(collection, writer, records, hashes, stored, report, progress)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    export_postings(building, procs=WRITER_PROCS, progress=_stage(progress, EXPORTING))
    export_vectors(building, collection.meaning)
    atomic_write(building / HASHES, json.dumps(hashes))
    checksums.record(building, previous)


def pool_mb(memory: int | None = None) -> int:
    """Megabytes of postings a writer process sorts in memory, given the machine's memory
    in bytes (None: this machine's, when the system tells)."""
    low, high = POOL_MB_BOUNDS
    if memory is None:
        try:
            memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            return low
    return max(low, min(high, memory // POOL_SHARE // 2**20))


def _stage(progress: BuildProgress | None, stage: str) -> Callable[[int, int], None] | None:
    """Progress of one of the stages after the talks are written."""
    return None if progress is None else partial(progress, stage=stage)


def _codec() -> W3Codec:
    """Whoosh's codec without zlib on posting blocks.

    Compressing every block was a tenth of a build, and searches read the
    exported arrays (postings.py), not the blocks.
    """
    return W3Codec(compression=0)


def _write(collection, writer, records, hashes, stored, report, progress) -> None:
    """Write the talks whose content hash differs from the stored one; delete the gone."""
    wanted = {talk.id for talk in collection.talks}
    for talk_id in stored.keys() - wanted:
        writer.delete_by_term("talk_id", talk_id)
        report.removed += 1
    for done, talk in enumerate(collection.talks, start=1):
        record, digest = records[talk.id], hashes[talk.id]
        if stored.get(talk.id) == digest:
            report.unchanged += 1
        else:
            if talk.id in stored:
                writer.delete_by_term("talk_id", talk.id)
                report.updated += 1
            else:
                report.added += 1
            passages = talk_passages(talk, collection)
            for document in talk_documents(talk, record, passages, digest, collection.repeated):
                start = document["start"]
                # every document gets every column: a segment's column lacking values
                # for its documents reads back short
                writer.add_document(**{"repeated": False, **document},
                                    start_ms=round(start * 1000) if start >= 0 else -1)
                report.documents += 1
        if progress is not None:
            progress(done, len(collection.talks))
