"""How common a word is in English (wordfreq), remembered between runs.

Aligning a note asks this of the words it shares with the passage that matches it
best. An update aligns the notes of the few talks it rewrites, whose words were nearly
all looked up before; kept in a file, they spare it importing wordfreq and reading its
word list, which cost more than the rest of a small update. The file names the wordfreq
version it came from, so another version looks every word up again.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from indexer.core.files import atomic_write

FILE_NAME = "english-shares.json"  # in the index folder

_shares: dict[str, float] = {}
_added: set[str] = set()


def english_share(word: str) -> float:
    """How often a word occurs in English text, per word (0 if wordfreq does not know it)."""
    share = _shares.get(word)
    if share is None:
        from wordfreq import word_frequency

        share = _shares[word] = float(word_frequency(word, "en"))
        _added.add(word)
    return share


def _wordfreq_version() -> str:
    try:
        return version("wordfreq")
    except PackageNotFoundError:
        return ""


@contextlib.contextmanager
def remembered(path: Path) -> Iterator[None]:
    """Look words up in `path` first; keep what was looked up meanwhile there."""
    made_by = _wordfreq_version()
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("wordfreq") == made_by and isinstance(stored.get("shares"), dict):
            for word, share in stored["shares"].items():
                if isinstance(word, str) and isinstance(share, int | float):
                    _shares.setdefault(word, float(share))
    try:
        yield
    finally:
        if _added:
            with contextlib.suppress(OSError):  # a folder we cannot write: looked up again
                atomic_write(path, json.dumps({"wordfreq": made_by, "shares": _shares}))
                _added.clear()
