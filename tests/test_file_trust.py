"""When a cache may trust a file unchanged without reading it (`file_trust`)."""

import os
import time
from types import SimpleNamespace

from indexer.ingest.file_trust import RACY_NS, signature, unchanged


def _status(path, **changes) -> SimpleNamespace:
    """The file's status with some fields changed (what another write could leave)."""
    status = os.stat(path)
    fields = ("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino")
    return SimpleNamespace(**{**{name: getattr(status, name) for name in fields}, **changes})


def test_a_file_is_trusted_only_when_all_its_metadata_match_and_it_is_not_racy(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# A talk\n")
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(path, ns=(hour_ago, hour_ago))
    recorded = signature(os.stat(path))
    assert unchanged(os.stat(path), recorded)
    status = os.stat(path)
    assert not unchanged(_status(path, st_size=status.st_size + 1), recorded)
    assert not unchanged(_status(path, st_mtime_ns=status.st_mtime_ns + 1), recorded)
    assert not unchanged(_status(path, st_ino=status.st_ino + 1), recorded)
    assert not unchanged(_status(path, st_ctime_ns=status.st_ctime_ns + 1), recorded)
    # modified shortly before it was recorded: a second write in the same tick could
    # have kept every field
    assert not unchanged(status, {**recorded, "recorded_ns": status.st_mtime_ns + RACY_NS})
    assert unchanged(status, {**recorded, "recorded_ns": status.st_mtime_ns + RACY_NS + 1})
    assert not unchanged(status, {k: v for k, v in recorded.items() if k != "recorded_ns"})
    assert not unchanged(status, {})
