"""Talks whose transcripts say none of their title's words: most likely linked to another video.

A notes file that links the wrong video (the next talk's id pasted, a typo that is
another video's id) indexes that video's words under this talk, and searches then
show moments that have nothing to do with it. A talk says some of its title's words
(or words beginning like them: `sleep` in "sleeping"), so saying none is worth a
warning. What each talk's check found is kept with the passage digests it was made
on (`index/passages/titles.json`): an update reads that, not every transcript.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from indexer.core.analysis import fold, is_stop_word, stem, words
from indexer.core.talks import NoteWarning, Talk
from indexer.ingest.fingerprint import code_fingerprint
from indexer.ingest.passage_cache import PassagesByVideo
from indexer.ingest.passages import Passage
from indexer.ingest.remembered import read_remembered, remember

FILE_NAME = "titles.json"
#: Changes when this check or the analysis it uses changes: every talk is checked again.
CODE = code_fingerprint("indexer.ingest.titles_said", "indexer.core.analysis")
#: Title words that say what kind of recording it is (or stand in for a title), not what
#: it says.
GENERIC = frozenset({
    "talk", "talks", "episode", "podcast", "video", "keynote", "lecture", "presentation",
    "interview", "session", "panel", "opening", "closing", "day", "part", "workshop",
    "fireside", "chat", "intro", "introduction", "recap", "live", "demo", "ted", "tedx",
    "untitled", "notes", "misc", "tbd", "unknown", "recording", "webinar", "meetup",
    "breakout", "lightning", "track", "stream", "livestream",
})  # fmt: skip
SHORTEST_WORD = 3
#: Words of a title checked at most: enough for any title, and a bound on a hostile one.
MOST_WORDS = 24
#: Latin letters (accents are folded before): a script written without spaces between
#: words (Chinese, Japanese) has no word to find the beginning of.
_LETTERS = re.compile(r"[a-z]+")


def title_words(title: str) -> dict[str, str]:
    """Each checkable word of a title, with what a transcript word saying it begins with:
    the part the word and its stem share (`happy`, `happi`: `happ`)."""
    found: dict[str, str] = {}
    for written in words(title):
        for word in _LETTERS.findall(written.removesuffix("'s")):
            if len(word) < SHORTEST_WORD or is_stop_word(word) or word in GENERIC:
                continue
            stemmed = stem(word)
            size = next((at for at, (said, kept) in enumerate(zip(word, stemmed, strict=False))
                         if said != kept), min(len(word), len(stemmed)))  # fmt: skip
            found[word] = word[:size] if size >= SHORTEST_WORD else word
            if len(found) == MOST_WORDS:
                return found
    return found


def says_any(passages: Iterable[Passage], beginnings: Iterable[str]) -> bool:
    """True when some word of the passages begins like one of `beginnings`."""
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(set(beginnings)))) + ")")
    return any(pattern.search(fold(passage.text)) for passage in passages)


def unsaid_titles(
    talks: Sequence[Talk], passages: PassagesByVideo, digests: dict[str, str], folder: Path,
    languages: dict[str, str] | None = None,
) -> dict[str, NoteWarning]:
    """A warning at each talk (by id) whose transcripts say none of its title's words,
    checking again only talks whose title or passages changed since the last check
    (`folder`: where the checks are kept, with the words a talk did not say: an update
    then analyses no title). A transcript in another language than English
    (`languages`: video id → language code, when known) is not checked: its talk's title
    may well be a translation."""
    last = read_remembered(folder / FILE_NAME, CODE, "talks")
    checked: dict[str, list] = {}
    found = {}
    languages = languages or {}
    for talk in talks:
        videos = [video.video_id for video in talk.videos if passages.count_of(video.video_id)
                  and languages.get(video.video_id, "en")[:2] in ("en", "")]  # fmt: skip
        if not videos:
            continue
        key = _key(talk.title, [(video_id, digests.get(video_id, "")) for video_id in videos])
        remembered = last.get(talk.id)
        if isinstance(remembered, list) and len(remembered) == 2 and remembered[0] == key:
            unsaid = remembered[1]
        else:
            said_words = title_words(talk.title)
            said = not said_words or any(says_any(passages.peek(video_id), said_words.values())
                                         for video_id in videos)  # fmt: skip
            unsaid = [] if said else list(said_words)
        checked[talk.id] = [key, unsaid]
        if unsaid:
            found[talk.id] = NoteWarning(talk.source, talk.line, _unsaid(videos, unsaid))
    if checked != last:  # else the next update checks again
        remember(folder / FILE_NAME, CODE, "talks", checked)
    return found


def _unsaid(videos: list[str], said_words: list[str]) -> str:
    which = (f"the transcript of video {videos[0]} says" if len(videos) == 1
             else f"the transcripts of videos {', '.join(videos)} say")  # fmt: skip
    return (f"{which} none of the title's words ({', '.join(said_words)}): "
            "is the link to the right video?")


def _key(title: str, videos: list[tuple[str, str]]) -> str:
    text = json.dumps([title, videos])
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()
