"""Passages remembered per transcript file, so an update does not re-read every transcript.

Reading and cutting thousands of transcripts takes most of an incremental
build. Each video's passages are kept in `index/passages/<id>.json` with a
hash of the transcript file they came from and a fingerprint of the code that
cut them; any change to either makes the entry stale. A manifest holds every
entry's key, digest and passage count, so an update learns which videos are
unchanged without reading their passages, and reads passages only for the
talks it rewrites. Each entry also keeps its passages' sentence keys (`repeats`), and
`repeated.json` the repeated passages found last, with the passage digests they were
found from: an update that changed no transcript reads that, not every entry. A
transcript file is trusted unchanged by its metadata (`file_trust`); otherwise it is
hashed. The cache is generated data: deleting it only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path

from indexer.core.files import atomic_write
from indexer.ingest.file_trust import signature, unchanged
from indexer.ingest.fingerprint import code_fingerprint
from indexer.ingest.passages import Passage
from indexer.ingest.repeats import Keys, passage_keys

#: The code that reads captions and cuts passages, and every module of ours it imports
#: (with how the store decodes a caption file's bytes).
CODE_MODULES = ("indexer.ingest.captions", "indexer.ingest.passages",
                "indexer.ingest.text_decoding", "indexer.ingest.repeats")  # fmt: skip
#: Changes whenever that code changes.
CODE_FINGERPRINT = code_fingerprint(*CODE_MODULES)
MANIFEST = "manifest.json"
REPEATED = "repeated.json"


def source_key(source: Path) -> dict:
    """What identifies the transcript file passages were cut from."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()  # cheap next to parsing
    return {"code": CODE_FINGERPRINT, "file": source.name, "sha256": digest}


class PassageCache:
    def __init__(self, folder: Path, manifest: bool = True) -> None:
        """`manifest` False: a cache that only writes entries (a cutting process: the
        manifest is the main process's, and large)."""
        self.folder = folder
        self.manifest = self._read_manifest() if manifest else {}
        self.changed = False

    def _read_manifest(self) -> dict[str, dict]:
        try:
            stored = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            if stored.get("code") == CODE_FINGERPRINT and isinstance(stored["videos"], dict):
                return stored["videos"]
        except (OSError, ValueError, TypeError, KeyError):
            pass
        return {}

    def known(self, video_id: str, source: Path) -> tuple[str, int] | None:
        """Digest and passage count cached for this very file, from the manifest alone."""
        entry = self.manifest.get(video_id)
        if entry is None or entry.get("file") != source.name:
            return None
        try:
            trusted = unchanged(source.stat(), entry)
            if not trusted:
                key = source_key(source)
                if key["sha256"] != entry["sha256"]:
                    return None
                self.remember(video_id, source, key, str(entry["digest"]), int(entry["count"]))
            return str(entry["digest"]), int(entry["count"])
        except (OSError, KeyError, TypeError, ValueError):
            return None

    def get(self, video_id: str, source: Path) -> tuple[list[Passage], str] | None:
        """The passages cut from `source` and their digest, if cached from this very file."""
        try:
            entry = json.loads((self.folder / f"{video_id}.json").read_text(encoding="utf-8"))
            key = source_key(source)
            if entry.get("key") != key:
                return None
            cut = [Passage(float(s), float(e), str(t)) for s, e, t in entry["passages"]]
            self.remember(video_id, source, key, str(entry["digest"]), len(cut))
            return cut, str(entry["digest"])
        except (OSError, ValueError, TypeError, KeyError):
            return None  # missing, stale or damaged: cut the passages again

    def put(self, video_id: str, source: Path, cut: list[Passage],
            sentences: list[Keys] | None = None) -> tuple[str, dict]:  # fmt: skip
        """Remember passages (and their sentence keys: computed when not given); their
        digest and the source's key. A cache that cannot be written is only slower, never
        wrong."""
        rows = [[p.start, p.end, p.text] for p in cut]
        key, digest = source_key(source), _digest(rows)
        entry = {"key": key, "digest": digest, "passages": rows,
                 "sentences": passage_keys(cut) if sentences is None else sentences}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / f"{video_id}.json", json.dumps(entry, ensure_ascii=False))
        except OSError:
            return digest, {}
        self.remember(video_id, source, key, digest, len(cut))
        return digest, key

    def remember(self, video_id: str, source: Path, key: dict, digest: str, count: int) -> None:
        """Add a written entry to the manifest (`save` writes it)."""
        if not key:
            return
        try:
            stat = source.stat()
        except OSError:
            return
        self.manifest[video_id] = {
            "file": key["file"],
            "sha256": key["sha256"],
            **signature(stat),
            "digest": digest,
            "count": count,
        }
        self.changed = True

    def sentences(self, video_id: str, digest: str) -> list[Keys] | None:
        """The sentence keys of each passage of the video, from its entry, when the entry
        holds the passages of this digest."""
        try:
            entry = json.loads((self.folder / f"{video_id}.json").read_text(encoding="utf-8"))
            found = entry["sentences"]
            if entry["digest"] == digest and len(found) == len(entry["passages"]):
                return found
        except (OSError, ValueError, TypeError, KeyError):
            pass
        return None

    def repeated(self, digests: str) -> dict[str, frozenset[int]] | None:
        """The repeated passages found last, if they were found from these `digests`."""
        try:
            stored = json.loads((self.folder / REPEATED).read_text(encoding="utf-8"))
            if stored["code"] == CODE_FINGERPRINT and stored["digests"] == digests:
                return {video_id: frozenset(map(int, numbers))
                        for video_id, numbers in stored["videos"].items()}  # fmt: skip
        except (OSError, ValueError, TypeError, KeyError):
            pass
        return None

    def remember_repeated(self, digests: str, found: dict[str, frozenset[int]]) -> None:
        videos = {video_id: sorted(numbers) for video_id, numbers in found.items()}
        payload = {"code": CODE_FINGERPRINT, "digests": digests, "videos": videos}
        with contextlib.suppress(OSError):  # without it an update only counts again
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / REPEATED, json.dumps(payload))

    def save(self) -> None:
        if not self.changed:
            return
        payload = {"code": CODE_FINGERPRINT, "videos": self.manifest}
        with contextlib.suppress(OSError):  # without a manifest an update is only slower
            atomic_write(self.folder / MANIFEST, json.dumps(payload))
        self.changed = False


class PassagesByVideo(MutableMapping[str, list[Passage]]):
    """Each video's passages, read only when asked for: an update rewrites few talks."""

    def __init__(self) -> None:
        self._loaded: dict[str, list[Passage]] = {}
        self._later: dict[str, tuple[Callable[[], list[Passage]], int]] = {}

    def later(self, video_id: str, load: Callable[[], list[Passage]], count: int) -> None:
        self._loaded.pop(video_id, None)
        self._later[video_id] = (load, count)

    def count(self) -> int:
        """How many passages in all, without reading any."""
        return sum(map(len, self._loaded.values())) + sum(c for _, c in self._later.values())

    def count_of(self, video_id: str) -> int:
        """How many passages one video has, without reading them."""
        if video_id in self._later:
            return self._later[video_id][1]
        return len(self._loaded.get(video_id, []))

    def __getitem__(self, video_id: str) -> list[Passage]:
        if video_id not in self._loaded and video_id in self._later:
            load, _ = self._later.pop(video_id)
            self._loaded[video_id] = load()
        return self._loaded[video_id]

    def peek(self, video_id: str) -> list[Passage]:
        """A video's passages, read without keeping them when they were not read yet (a
        check over every video would otherwise hold them all at once)."""
        if video_id in self._later:
            return self._later[video_id][0]()
        return self._loaded.get(video_id, [])

    def __setitem__(self, video_id: str, cut: list[Passage]) -> None:
        self._later.pop(video_id, None)
        self._loaded[video_id] = cut

    def __delitem__(self, video_id: str) -> None:
        if self._later.pop(video_id, None) is None:
            del self._loaded[video_id]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._loaded, *self._later])  # a copy: reading moves entries

    def __len__(self) -> int:
        return len(self._loaded) + len(self._later)


def passage_digest(cut: list[Passage]) -> str:
    """What a talk's content hash takes from a video's passages (changes when they do)."""
    return _digest([[p.start, p.end, p.text] for p in cut])


def _digest(rows: list[list]) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()
