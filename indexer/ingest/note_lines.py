"""What a line of notes says besides being a note: that it only labels a video, who
spoke, or when. Pure text in, answers out; `notes` decides where each applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.core.youtube import written_urls

#: A heading (or a bullet talk's line) like `Peter DeSantis - SVP AWS`: a name of two to
#: four capitalised words, a dash or bar, a role.
_NAME_DASH_ROLE = re.compile(
    r"(?P<name>[A-Z][\w.'\u2019-]*(?: [A-Z][\w.'\u2019-]*){1,3})\s+[-\u2013\u2014|]\s+(?P<role>.+)"
)
#: `Simple Made Easy by Rich Hickey`: a title ending with its speaker's name (two to four
#: capitalised words, so `Stand by Me` names nobody)
_BY_NAME = re.compile(r".+?,? by (?P<name>[A-Z][\w.'\u2019-]*(?: [A-Z][\w.'\u2019-]*){1,3})")

#: `Speaker: Jane Doe, Principal Engineer`, `**Speakers:** A, B`, `Date: 2023-11-28`
_DETAIL = re.compile(r"(?P<key>speakers?|presenters?|guests?|date|published)\s*:\s*(?P<value>.+)",
                     re.IGNORECASE)  # fmt: skip
_ISO_DATE = re.compile(r"(?:19|20)\d\d(?:-\d\d(?:-\d\d)?)?")
_NAME_AND_ROLE = re.compile(
    r"(?P<name>[^,(\u2013\u2014|]+?)\s*(?:[,(\u2013\u2014|]|\s-\s)\s*(?P<role>.*?)\)?"
)
#: Longer, a `Speaker:` line is a sentence about what was said, not a name.
MAX_NAME_WORDS = 12

#: Words that only label a video link (`Video: https://…`, `[YouTube](…)`, `Part 2`): a
#: block of such words and links is no note, and a bullet talk so labelled is a part.
_PART_WORDS = frozenset({"video", "videos", "youtube", "part", "pt", "recording", "watch",
                         "link", "here", "full", "replay", "stream", "livestream", "clip",
                         "on", "the", "session", "day"})  # fmt: skip
_LABEL_WORD = re.compile(r"[^\W\d_]+")
#: An HTML player pasted from YouTube's "Embed" (kept as text: notes render no HTML).
_HTML_PLAYER = re.compile(r"</?(?:iframe|embed|video|object)\b[^<>]*>", re.IGNORECASE)


#: Logseq's mark of the second a note was taken at: `{{youtube-timestamp 754}}`, or
#: `{{youtube-timestamp 12:34}}`
_LOGSEQ_TIME = re.compile(r"\{\{youtube-timestamp\s+(\d{1,6}|(?:\d{1,3}:)?\d{1,3}:[0-5]\d)\s*\}\}")


def _clock(found: re.Match[str]) -> str:
    second = 0
    for part in found.group(1).split(":"):
        second = second * 60 + int(part)
    hours, minutes = divmod(second // 60, 60)
    return f"{hours}:{minutes:02d}:{second % 60:02d}" if hours else f"{minutes}:{second % 60:02d}"


def readable_times(text: str) -> str:
    """A note's Logseq time marks written as the times people type (`12:34`): they read
    as times, and one that begins a note states its second, like any other."""
    return _LOGSEQ_TIME.sub(_clock, text) if "{{youtube-timestamp" in text else text


@dataclass(frozen=True)
class Detail:
    """A line's statement about its talk: `kind` "speaker" (`value` the name or names,
    `role` what follows a single name) or "date" (`value` a year, month or day)."""

    kind: str
    value: str
    role: str = ""


def read_detail(text: str) -> Detail | None:
    """The speaker or date a line states and nothing more, or None."""
    found = _DETAIL.fullmatch(text)
    if found is None:
        return None
    key, value = found.group("key").lower(), found.group("value").strip()
    if key in ("date", "published"):
        return Detail("date", value) if _ISO_DATE.fullmatch(value) else None
    if len(value.split()) > MAX_NAME_WORDS:
        return None
    if key.endswith("s"):  # several people: their names as written
        return Detail("speaker", value)
    parts = _NAME_AND_ROLE.fullmatch(value)
    if parts is None:
        return Detail("speaker", value)
    return Detail("speaker", parts.group("name").strip(), parts.group("role").strip())


def speaker_in_title(title: str) -> tuple[str, str]:
    """The speaker and role a title names (`Name - Role`, `Title by Name`), else blanks."""
    match = _NAME_DASH_ROLE.fullmatch(title)
    if match:
        return match.group("name"), match.group("role").strip()
    by = _BY_NAME.fullmatch(title)
    return (by.group("name"), "") if by else ("", "")


def only_video_words(text: str) -> bool:
    """The text says no more than "video", "YouTube", "part 2:" and the like, or a pasted
    address or player: it labels a video link rather than being a note or naming a talk."""
    _, rest = written_urls(text)
    rest = _HTML_PLAYER.sub(" ", rest)
    return {word.lower() for word in _LABEL_WORD.findall(rest)} <= _PART_WORDS
