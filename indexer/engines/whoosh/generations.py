"""Index generations: build aside, swap in atomically, never show a half-built index.

`data/index/CURRENT` names the generation readers open (`gen-…` folders beside
it). A build writes a new folder under a lock, then replaces CURRENT with one
atomic rename. A build killed at any point leaves CURRENT pointing at the old,
complete generation; its leftovers are removed by the next build.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from indexer.core.analysis import ANALYZER_VERSION
from indexer.core.files import atomic_write
from indexer.engines.build_lock import build_lock
from indexer.engines.protocol import BuildLocked

__all__ = ["BuildLocked", "build_lock", "current", "new_generation", "publish", "published"]

#: 2: posting arrays beside the segments; 3: talkseek's own analyzer in the schema; 4: times
#: stored and in a column, not indexed, and positions packed (schema.PackedPositions); 5: a
#: column marking repeated passages
FORMAT = 5
POINTER = "CURRENT"
KEEP = 2  # the current generation and the one before, for readers still on it




def current(index_dir: Path) -> Path | None:
    """The generation readers should open, or None if there is no usable index."""
    try:
        pointer = json.loads((index_dir / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(pointer, dict) or pointer.get("format") != FORMAT:
        return None
    if pointer.get("analyzer", 1) != ANALYZER_VERSION:
        return None
    name = str(pointer.get("generation", ""))
    folder = index_dir / name
    if not name.startswith("gen-") or not folder.is_dir():
        return None
    return folder


def outdated(index_dir: Path) -> bool:
    """True when the pointer names a generation in another format or analysis than this
    talkseek's: an index made by an older (or newer) version, which a build replaces."""
    try:
        pointer = json.loads((index_dir / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(pointer, dict) and (
        pointer.get("format") != FORMAT or pointer.get("analyzer", 1) != ANALYZER_VERSION
    )


def published(index_dir: Path) -> list[Path]:
    """Every complete generation, the current one first, then the newest before it
    (none without a readable pointer: folders it does not name were never published)."""
    first = current(index_dir)
    if first is None:
        return []
    older = sorted(
        (folder for folder in index_dir.glob("gen-*") if folder.is_dir() and folder != first),
        key=lambda folder: folder.stat().st_mtime,
        reverse=True,
    )
    return [first, *older]


def new_generation(index_dir: Path, copy_from: Path | None = None) -> Path:
    """A fresh folder for a build; with `copy_from`, hard links of its files to update.

    Index files are never changed once written (an update writes new ones), so
    the old generation's files can be shared instead of copied.
    """
    name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    folder = index_dir / f".building-{name}"
    folder.mkdir(parents=True)
    if copy_from is not None:
        _link_tree(copy_from, folder)
    return folder


def _link_tree(source: Path, target: Path) -> None:
    for entry in source.iterdir():
        if entry.is_dir():
            if not entry.name.endswith(".partial"):
                (target / entry.name).mkdir()
                _link_tree(entry, target / entry.name)
        elif entry.is_file() and not entry.name.endswith(".lock"):
            try:
                os.link(entry, target / entry.name)
            except OSError:
                shutil.copy2(entry, target / entry.name)


def publish(index_dir: Path, building: Path) -> Path:
    """Make a finished build the current generation, then drop old ones."""
    final = index_dir / building.name.removeprefix(".building-")
    os.replace(building, final)
    pointer = {"format": FORMAT, "analyzer": ANALYZER_VERSION, "generation": final.name,
               "published_at": time.time()}  # fmt: skip
    atomic_write(index_dir / POINTER, json.dumps(pointer))
    _remove_old(index_dir, final)
    return final


def remove_leftovers(index_dir: Path) -> None:
    """Delete folders of builds that never finished (call while holding the lock)."""
    for folder in index_dir.glob(".building-*"):
        shutil.rmtree(folder, ignore_errors=True)
    for temporary in index_dir.glob(f".{POINTER}.*"):
        temporary.unlink(missing_ok=True)


def _remove_old(index_dir: Path, keep: Path) -> None:
    generations = sorted(
        (folder for folder in index_dir.glob("gen-*") if folder != keep),
        key=lambda folder: folder.stat().st_mtime,
        reverse=True,
    )
    for folder in generations[KEEP - 1 :]:
        shutil.rmtree(folder, ignore_errors=True)
