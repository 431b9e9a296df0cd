"""YouTube links → video ids and start times.

Notes hold every URL shape YouTube has ever produced; this module is the one
place that knows them, so the rest of talkseek only ever sees 11-character ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_HOSTS = {"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"}
_SHORT_HOSTS = {"youtu.be"}
_PATH_PREFIXES = ("embed", "shorts", "live", "v", "e")
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})")
_UNITS = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?")


@dataclass(frozen=True)
class VideoLink:
    """A video named by a link: its id and, if the link had one, where to start."""

    video_id: str
    start: float | None = None


def is_video_id(value: str) -> bool:
    """True for a string that can be a YouTube video id."""
    return bool(VIDEO_ID.fullmatch(value or ""))


def parse_start(value: str) -> float | None:
    """Read `t=`/`start=` values: `90`, `90s`, `1m30s`, `1h2m3s`, `1:02:03`."""
    value = value.strip().lower()
    if not value:
        return None
    clock = _CLOCK.fullmatch(value)
    if clock:
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        return float(hours * 3600 + minutes * 60 + seconds)
    units = _UNITS.fullmatch(value)
    if not units or not any(units.groups()):
        return None
    hour_text, minute_text, second_text = units.groups()
    return int(hour_text or 0) * 3600 + int(minute_text or 0) * 60 + float(second_text or 0)


def _host(netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def parse_video_url(url: str) -> VideoLink | None:
    """The video a URL points at, or None for anything that is not one video.

    Channel pages, playlists without `v=`, and ids of the wrong shape give None.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", ""):
        return None
    host = _host(parts.netloc)
    query = parse_qs(parts.query)
    fragment = parse_qs(parts.fragment)
    segments = [segment for segment in parts.path.split("/") if segment]
    candidate = None
    if host in _SHORT_HOSTS and segments:
        candidate = segments[0]
    elif host in _HOSTS:
        if segments == ["watch"]:
            candidate = (query.get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in _PATH_PREFIXES:
            candidate = segments[1]
    if candidate is None or not is_video_id(candidate):
        return None
    start = None
    for source in (query, fragment):
        for key in ("t", "start", "time_continue"):
            if key in source and start is None:
                start = parse_start(source[key][0])
    return VideoLink(candidate, start)


#: A YouTube address spelt out in text rather than linked, with or without its scheme, up
#: to a space, a bracket or a quote; or a site generator's video shortcode naming only the
#: id: Hugo's `{{< youtube ID >}}`, Jekyll's `{% youtube ID %}` and
#: `{% include youtube.html id="ID" %}` (see `written_urls`).
_WRITTEN = re.compile(
    r"\{\{<\s*youtube\s+(?:id=)?[\"']?(?P<hugo>[A-Za-z0-9_-]{11})[\"']?[^{}<>]*>\}\}"
    r"|\{%\s*(?:youtube|include\s+youtube[\w.-]*)\s+(?:id=)?[\"']?(?P<jekyll>[A-Za-z0-9_-]{11})"
    r"[\"']?[^{}%]*%\}"
    r"|(?<![\w@/.-])(?:https?://)?(?:(?:www|m|music)\.)?(?:youtube(?:-nocookie)?\.com|youtu\.be)"
    r"/[^\s<>()\[\]{}\"'`]*",
    re.IGNORECASE,
)
_SENTENCE_END = ".,;:!?"


def written_urls(text: str) -> tuple[list[str], str]:
    """The YouTube addresses a text spells out (pasted bare: `youtu.be/ID`, `https://…`,
    or a shortcode), each as a URL with a scheme, and the text without them. Punctuation
    after an address ends the sentence, not the address. One pass of one regular
    expression without nested repeats: a notes file may hold any text."""
    urls, kept, cursor = [], [], 0
    for found in _WRITTEN.finditer(text):
        shortcode = found.group("hugo") or found.group("jekyll")
        if shortcode:
            address = found.group()
            urls.append(watch_url(shortcode))
        else:
            address = found.group().rstrip(_SENTENCE_END)
            urls.append(address if "://" in address else f"https://{address}")
        kept.append(text[cursor : found.start()])
        cursor = found.start() + len(address)
    kept.append(text[cursor:])
    return urls, "".join(kept)


def is_web_link(url: str) -> bool:
    """True for an absolute http(s) URL: the only links pages may carry from notes
    (`javascript:` or `data:` in an href would run or show whatever a file says)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def is_youtube_url(url: str) -> bool:
    """True when a URL is on a YouTube host, video or not (used to flag channel links)."""
    try:
        return _host(urlsplit(url.strip()).netloc) in _HOSTS | _SHORT_HOSTS
    except ValueError:
        return False


def watch_url(video_id: str, start: float | None = None) -> str:
    """The canonical link that opens a video, at a second when given."""
    url = f"https://www.youtube.com/watch?v={video_id}"
    if start is not None and start > 0:
        url += f"&t={int(start)}s"
    return url


def moment_url(record: dict, video_id: str, start: float) -> str:
    """Where a moment plays: YouTube at the second, or the talk's own page elsewhere."""
    video = next((v for v in record.get("videos", []) if v["video_id"] == video_id), None)
    if video is not None and video["kind"] != "youtube":
        return str(video["url"])
    return watch_url(video_id, start)
