"""The document table's columns once more as flat files beside each segment's postings.

Every search ranks over a table of each document's kind, talk, video, start and
whether it is repeated
(`ranking.DocTable`), read once per opened generation. Whoosh's columns yield
one value per Python call, most of the time it takes to open a large index (and
so of a one-shot `talkseek search`). After a build, each new segment's column
values are also written as codes into a list of the distinct values
(`export_columns`); opening maps them back in bulk (`DocTable.from_segments`). A
segment without the files (an index built before them) is read through Whoosh.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer.core.files import atomic_write

NAMES = ("kind", "talk_id", "video_id", "start_ms", "repeated")
_NUMBERS = {"start_ms": np.int64, "repeated": np.int8}  # kept as values, not codes
VALUES = "columns.json"  # per text column: its distinct values, in order of first use
CODES = "columns.{name}.npy"  # per column: each document's code (numbers: the value)
#: (per text column its distinct values, per column every document's code or value)
Coded = tuple[dict[str, list], dict[str, np.ndarray]]


def export_columns(leaf, folder: Path) -> None:
    """Write a segment's column values, deleted documents included (as Whoosh keeps them)."""
    distinct, codes = _coded(leaf)
    for name, array in codes.items():
        np.save(folder / CODES.format(name=name), array)
    atomic_write(folder / VALUES, json.dumps(distinct))


def _coded(leaf) -> Coded:
    """A segment's columns read through Whoosh, one value at a time: each text column's
    distinct values in order of first use and every document's code into them."""
    distinct: dict[str, list] = {}
    codes: dict[str, np.ndarray] = {}
    for name in NAMES:
        values = list(leaf.column_reader(name))
        if name in _NUMBERS:
            codes[name] = np.array([value or 0 for value in values], dtype=_NUMBERS[name])
            continue
        seen: dict = {}
        codes[name] = np.array([seen.setdefault(v, len(seen)) for v in values], dtype=np.int32)
        distinct[name] = list(seen)
    return distinct, codes


def _read(folder: Path) -> Coded | None:
    try:
        distinct = json.loads((folder / VALUES).read_text(encoding="utf-8"))
        codes = {name: np.load(folder / CODES.format(name=name)) for name in NAMES}
    except (OSError, ValueError):
        return None  # not exported (an index built before these files): read through Whoosh
    return distinct, codes


def segment_columns(leaf, folder: Path) -> Coded:
    """A segment's coded columns: from its files, or read through Whoosh without them."""
    return _read(folder) or _coded(leaf)
