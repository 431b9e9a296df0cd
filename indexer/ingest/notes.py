"""Markdown notes → talks.

Two shapes are read. A file whose front matter describes one talk (`video_id`,
`youtube_url`, `guest`, …) is that talk. Any other file is read as headings: a
heading with a video link in its own part is a talk, a heading with bullets but
no video and no talk below is a notes-only talk, and a heading with talks below
is a section (its own bullets a notes-only talk). A bullet with a video link and
bullets nested under it is a talk too, in a heading without a video of its own:
people list talks that way. Parsing is pure: text in, talks and warnings out.
"""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass, field, replace
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from indexer.core.talks import SAFE_ID, NoteItem, NoteWarning, ParsedNotes, Talk, VideoRef, slugify
from indexer.core.youtube import (
    is_video_id,
    is_web_link,
    is_youtube_url,
    parse_video_url,
    watch_url,
    written_urls,
)
from indexer.ingest.front_matter import Problem, read_front_matter, split_front_matter
from indexer.ingest.mojibake import repair_mojibake
from indexer.ingest.note_lines import (
    only_video_words,
    read_detail,
    readable_times,
    speaker_in_title,
)

_TALK_KEYS = {"video_id", "youtube_url", "video_url", "guest", "speaker", "speakers"}
# Raw HTML stays text: never rendered. At its nesting limit markdown-it stops reading
# the file, so deeper lists are flattened first (see _block_tokens).
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|<\s*>")
MAX_NESTING = 100
MAX_INDENT = 60  # columns: some 30 list levels, within MAX_NESTING
_markdown = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING})


@dataclass
class _Heading:
    """A heading and what sits under it before the next heading."""

    title: str
    level: int
    line: int
    items: list[NoteItem] = field(default_factory=list)
    videos: list[VideoRef] = field(default_factory=list)
    video_ids: set[str] = field(default_factory=set)  # of `videos`: a heading may link thousands
    has_bullets: bool = False
    children: list[_Heading] = field(default_factory=list)
    #: a bullet that is a video link with bullets nested under it (`- [Title](video)`), read
    #: as a talk of its own unless its heading has a video (then the bullet is a part of it)
    bullet: bool = False
    label: NoteItem | None = None  # a bullet talk's own line, when it says more than a link
    #: from a `Speaker: Name, Role` line of its own part, and a `Date: 2023-11-28` line
    speaker: str = ""
    role: str = ""
    date: str = ""


def parse_notes(text: str, path: str) -> ParsedNotes:
    """Read one notes file's text; `path` is only used to name talks and warnings."""
    result = ParsedNotes()
    repaired = repair_mojibake(text)
    source, body, offset = split_front_matter(repaired.text)
    meta: dict = {}
    problems: list[Problem] = []
    if source is not None:
        meta, problems = read_front_matter(source)
    # a line whose value YAML repaired again is reported once, as wholly repaired
    again = {problem.line for problem in problems if problem.repair}
    if repaired.lines and not set(repaired.lines) <= again:
        result.warnings.append(NoteWarning(path, repaired.lines[0], repaired.message()))
    result.warnings.extend(NoteWarning(path, problem.line, problem.message)
                           for problem in problems)  # fmt: skip
    one_talk = bool(_TALK_KEYS & meta.keys())
    root = _outline(body, offset, path, result.warnings, details=not one_talk)
    if one_talk:
        lines = _key_lines(source or "")
        result.talks.append(_talk_from_front_matter(meta, root, path, result.warnings, lines))
    else:
        event = _text(meta.get("event") or meta.get("title"))
        result.talks.extend(_talks_from_headings(root, path, event))
    return result


def _key_lines(source: str) -> dict[str, int]:
    """File line of each top-level front matter key (the opening `---` is line 1)."""
    found: dict[str, int] = {}
    for number, line in enumerate(source.splitlines(), start=2):
        match = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if match:
            found.setdefault(match.group(1), number)
    return found


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(part) for part in value if part is not None)
    return " ".join(str(value).split())


def _keywords(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return ()
    return tuple(word for word in (_text(part) for part in value) if word)


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _heading_title(token: Token) -> str:
    """A heading's text without the video addresses pasted into it (`## Talk youtu.be/ID`),
    and the brackets or dash left around them; the text as it is when nothing else is left."""
    text = _inline_text(token)
    _, rest = written_urls(text)
    if rest == text:
        return text
    title = " ".join(_EMPTY_BRACKETS.sub(" ", rest).split()).strip(" -\u2013\u2014|:")
    return title or text


def _links(token: Token) -> list[str]:
    """A block's link targets, and its images that are YouTube videos: Obsidian and other
    editors embed a video as `![](https://www.youtube.com/watch?v=ID)`."""
    found = []
    for child in token.children or []:
        if child.type == "link_open":
            found.append(str(child.attrs.get("href", "")))
        elif child.type == "image":
            source = str(child.attrs.get("src", ""))
            if parse_video_url(source) is not None:
                found.append(source)
    return found


def _block_tokens(body: str, offset: int, path: str, warnings: list[NoteWarning]) -> list[Token]:
    """Block tokens of the whole body, even when lists nest deeper than markdown-it reads."""
    lines = body.splitlines()
    capped, first_deep = [], None
    for number, line in enumerate(lines):
        line = line.expandtabs(4)
        indent = len(line) - len(line.lstrip(" "))
        if indent > MAX_INDENT and line.strip():
            first_deep = number if first_deep is None else first_deep
            line = " " * MAX_INDENT + line[indent:]
        capped.append(line)
    if first_deep is None:
        return _markdown.parse(body)
    message = (
        f"indented more than {MAX_INDENT} columns (lists nested too deep); "
        "deeper lines are read at that depth"
    )
    warnings.append(NoteWarning(path, first_deep + 1 + offset, message))
    return _markdown.parse("\n".join(capped))


def _outline(body: str, offset: int, path: str, warnings: list[NoteWarning],
             details: bool = True) -> _Heading:  # fmt: skip
    """Headings as a tree, each holding its own bullets, paragraphs and video links; a
    top-level bullet that is a video link with bullets under it is a child of its heading
    (`bullet`) until the bullet ends. With `details`, a heading's speaker and date lines
    are taken as such (in a file that is one talk, its front matter says those)."""
    root = _Heading(title="", level=0, line=1)
    stack = [root]
    tokens = _block_tokens(body, offset, path, warnings)
    list_depth = 0
    bullet: _Heading | None = None
    bullet_end = -1  # the index of its list_item_close
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        if index == bullet_end:
            bullet = None
        if token.type != "inline" or token.map is None:
            continue
        line = token.map[0] + 1 + offset
        opener = tokens[index - 1]
        if opener.type == "heading_open":
            level = int(opener.tag[1:])
            while stack[-1].level >= level:
                stack.pop()
            heading = _Heading(_heading_title(token), level, line)
            stack[-1].children.append(heading)
            stack.append(heading)
            _collect_videos(token, line, heading, path, warnings)
            bullet = None
            continue
        if bullet is None and list_depth == 1 and tokens[index - 2].type == "list_item_open":
            bullet, bullet_end = _bullet_talk(tokens, index, line, stack[-1], path, warnings)
            if bullet is not None:
                continue
        current = stack[-1] if bullet is None else bullet
        if details and current.level > 0:
            token, taken = _without_details(token, current)
            if not token.children:
                continue
            line += taken
        moment: list[VideoRef] = []
        only_videos = _collect_videos(token, line, current, path, warnings, moment)
        text = readable_times(_inline_text(token))
        if text and not only_videos:
            at = moment[0] if moment else None
            current.items.append(NoteItem(text, line, max(list_depth - 1, 0),
                                          at.video_id if at else None,
                                          at.start if at else None))  # fmt: skip
            current.has_bullets |= list_depth > 0
    return root


def _without_details(token: Token, heading: _Heading) -> tuple[Token, int]:
    """The block without its lines that give the talk's speaker or date (taken into the
    heading), and how many lines come before the first line kept: people write them
    one under the other, above or below the video link."""
    children = token.children or []
    if not children or ":" not in token.content:
        return token, 0  # the common case, at once
    kept: list[Token] = []
    first_kept: int | None = None
    start = number = 0
    while start <= len(children):
        end = next((at for at in range(start, len(children))
                    if children[at].type in ("softbreak", "hardbreak")), len(children))  # fmt: skip
        line = copy(token)
        line.children = children[start:end]
        if (heading.speaker and heading.date) or not _detail(line, heading):
            if kept:
                kept.append(children[start - 1])  # the line break before it
            kept.extend(line.children)
            first_kept = number if first_kept is None else first_kept
        start, number = end + 1, number + 1
    if len(kept) == len(children):
        return token, 0
    rest = copy(token)
    rest.children = kept
    return rest, first_kept or 0


def _detail(token: Token, heading: _Heading) -> bool:
    """Take a talk's speaker or date from a line saying just that, the first of each
    under a heading; False for any other line (one with a video too)."""
    text = _inline_text(token)
    detail = read_detail(text)
    if detail is None or any(is_youtube_url(href) for href in _links(token)):
        return False
    if written_urls(text)[0]:
        return False
    if detail.kind == "date":
        if heading.date:
            return False
        heading.date = detail.value
        return True
    if heading.speaker:
        return False
    heading.speaker, heading.role = detail.value, detail.role
    return True


def _bullet_talk(tokens: list[Token], index: int, line: int, heading: _Heading, path: str,
                 warnings: list[NoteWarning]) -> tuple[_Heading | None, int]:  # fmt: skip
    """A top-level bullet that is a talk of its own (see `_Heading.bullet`), and the index
    where it ends; or None (the bullet is then read as any other)."""
    token = tokens[index]
    found = _Heading(_heading_title(token), heading.level + 1, line, bullet=True)
    said: list[NoteWarning] = []
    moment: list[VideoRef] = []
    only_videos = _collect_videos(token, line, found, path, said, moment)
    if not found.videos or said:  # no video, or a YouTube link that is none: a plain bullet
        return None, -1
    end, nested = _item_end(tokens, index - 2)
    if not nested or only_video_words(found.title):
        return None, -1
    if not only_videos:  # `[Title](video) by Jane Doe`: a note, should it be folded back
        at = moment[0] if moment else None
        found.label = NoteItem(_inline_text(token), line, 0, at.video_id if at else None,
                               at.start if at else None)  # fmt: skip
    heading.children.append(found)
    return found, end


def _item_end(tokens: list[Token], opened: int) -> tuple[int, bool]:
    """Where a list item ends (its list_item_close), and whether a list nests in it."""
    level = tokens[opened].level
    nested = False
    for index in range(opened + 1, len(tokens)):
        token = tokens[index]
        if token.type == "list_item_close" and token.level == level:
            return index, nested
        nested |= token.type in ("bullet_list_open", "ordered_list_open")
    return len(tokens), nested


def _collect_videos(
    token: Token, line: int, heading: _Heading, path: str, warnings: list[NoteWarning],
    moment: list[VideoRef] | None = None,
) -> bool:
    """Add the video links of a block to its heading, linked or spelt out (people paste a
    video's address as it is), and put the first with a start time in `moment`; True if
    the block is only video links."""
    written, words = written_urls(_outside_links(token))
    links = _links(token) + written
    found = 0
    for href in links:
        link = parse_video_url(href)
        if link is None:
            if is_youtube_url(href):
                warnings.append(NoteWarning(path, line, f"link is not a YouTube video: {href}"))
            continue
        found += 1
        new = link.video_id not in heading.video_ids
        if new or (moment is not None and link.start is not None and not moment):
            video = VideoRef(link.video_id, watch_url(link.video_id, link.start), line, link.start)
            if moment is not None and link.start is not None and not moment:
                moment.append(video)
            if new:
                heading.video_ids.add(link.video_id)
                heading.videos.append(video)
    return bool(links) and found == len(links) and only_video_words(words)


def _outside_links(token: Token) -> str:
    """A block's text that is not a link's label (one pass: a block may hold thousands)."""
    depth, parts = 0, []
    for child in token.children or []:
        depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
        if depth == 0 and child.type == "text":
            parts.append(child.content)
        elif depth == 0 and child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _has_video_below(heading: _Heading) -> bool:
    return any(child.videos or _has_video_below(child) for child in heading.children)


def _absorb(heading: _Heading) -> tuple[list[NoteItem], list[_Heading]]:
    """A talk's notes including sub-headings without videos; sub-headings with videos stay talks."""
    items = list(heading.items)
    talks_below: list[_Heading] = []
    for child in heading.children:
        if child.videos:
            talks_below.append(child)
            continue
        child_items, child_talks = _absorb(child)
        items.append(NoteItem(child.title, child.line, 0))
        items.extend(child_items)
        talks_below.extend(child_talks)
    return items, talks_below


def _fold_bullets(heading: _Heading, always: bool = False) -> None:
    """A heading with a video of its own (or, `always`, any) takes its bullet talks back
    as parts of its talk: their videos and notes become its own, in file order, as if
    they were any other bullets."""
    bullets = [child for child in heading.children if child.bullet]
    if not bullets or not (always or heading.videos):
        return
    heading.children = [child for child in heading.children if not child.bullet]
    videos = sorted([*heading.videos, *(v for b in bullets for v in b.videos)],
                    key=lambda video: video.line)  # fmt: skip
    heading.videos, heading.video_ids = [], set()
    for video in videos:
        if video.video_id not in heading.video_ids:
            heading.video_ids.add(video.video_id)
            heading.videos.append(video)
    heading.items = sorted([*heading.items, *(item for b in bullets for item in b.items),
                            *(b.label for b in bullets if b.label is not None)],
                           key=lambda item: item.line)  # fmt: skip
    heading.has_bullets |= any(b.has_bullets for b in bullets)
    for bullet in bullets:  # a part's speaker or date line tells the talk's
        if not heading.speaker:
            heading.speaker, heading.role = bullet.speaker, bullet.role
        heading.date = heading.date or bullet.date


def _fold_all_bullets(heading: _Heading) -> None:
    _fold_bullets(heading, always=True)
    for child in heading.children:
        _fold_all_bullets(child)



def file_talk_id(path: str | Path) -> str:
    """The id of the talk a notes file with front matter holds: its name, slugified."""
    return slugify(Path(path).stem, 80)

def _talks_from_headings(root: _Heading, path: str, event: str) -> list[Talk]:
    """Talks of a file read as headings. A section's own bullets (a heading with talks
    below) are a notes-only talk of their own: never dropped."""
    stem = slugify(Path(path).stem, 40)
    talks: list[Talk] = []

    def visit(heading: _Heading, section: tuple[str, ...]) -> None:
        _fold_bullets(heading)
        is_talk = bool(heading.videos) or (heading.has_bullets and not _has_video_below(heading))
        if heading.level > 0 and is_talk:
            items, talks_below = _absorb(heading)
            if heading.bullet:  # its notes were nested one level under it
                items = [replace(item, depth=max(item.depth - 1, 0)) for item in items]
            talks.append(_heading_talk(heading, items, path, stem, event, section))
            for child in talks_below:
                visit(child, (*section, heading.title))
            return
        if heading.has_bullets and (heading.level > 0 or not root.videos):
            title = heading.title or event or Path(path).stem
            talks.append(_heading_talk(heading, heading.items, path, stem, event, section,
                                       title=title))  # fmt: skip
        below = section if heading.level == 0 else (*section, heading.title)
        for child in heading.children:
            visit(child, below)

    visit(root, ())
    if root.videos and not talks:
        title = event or Path(path).stem
        talks.append(_heading_talk(root, root.items, path, stem, event, (), title=title))
    return talks


def _heading_talk(
    heading: _Heading,
    items: list[NoteItem],
    path: str,
    stem: str,
    event: str,
    section: tuple[str, ...],
    title: str | None = None,
) -> Talk:
    title = title or heading.title or Path(path).stem
    speaker, role = heading.speaker, heading.role
    if not speaker:
        speaker, role = speaker_in_title(title)
    return Talk(
        id=f"{stem}-{slugify(title, 50)}",
        title=title,
        source=path,
        line=heading.line,
        event=event,
        section=section,
        speaker=speaker,
        role=role,
        publish_date=heading.date,
        videos=tuple(heading.videos),
        notes=tuple(items),
    )


def _talk_from_front_matter(
    meta: dict, root: _Heading, path: str, warnings: list[NoteWarning], lines: dict[str, int]
) -> Talk:
    _fold_all_bullets(root)  # the file is one talk: a bullet's video is one of its videos
    items, _ = _absorb(root)
    title = _text(meta.get("title")) or (
        root.children[0].title if root.children else Path(path).stem
    )
    items = [item for item in items if item.text != title]
    videos = _front_matter_videos(meta, path, warnings, lines)
    for video in _all_videos(root):
        if all(known.video_id != video.video_id for known in videos):
            videos.append(video)
    speaker = meta.get("speaker") or meta.get("speakers") or meta.get("guest")
    return Talk(
        id=file_talk_id(path),
        title=title,
        source=path,
        line=1,
        event=_text(meta.get("event")),
        speaker=_text(speaker),
        description=_text(meta.get("description")),
        keywords=_keywords(meta.get("keywords") or meta.get("tags")),
        publish_date=_text(meta.get("publish_date") or meta.get("date")),
        videos=tuple(videos),
        notes=tuple(items),
    )


def _all_videos(heading: _Heading) -> list[VideoRef]:
    found = list(heading.videos)
    for child in heading.children:
        found.extend(_all_videos(child))
    return found


def _front_matter_videos(
    meta: dict, path: str, warnings: list[NoteWarning], lines: dict[str, int]
) -> list[VideoRef]:
    """Videos named by front matter: a YouTube id or URL, or a page elsewhere plus a local id."""
    line = lines.get("video_id") or lines.get("youtube_url") or lines.get("video_url") or 1
    video_id = _text(meta.get("video_id"))
    url = _text(meta.get("youtube_url"))
    if is_video_id(video_id):
        return [VideoRef(video_id, watch_url(video_id), line)]
    if url and (link := parse_video_url(url)) is not None:
        return [VideoRef(link.video_id, watch_url(link.video_id, link.start), line, link.start)]
    page = _text(meta.get("video_url"))
    local_id = _text(meta.get("id")) or video_id
    if page and not is_web_link(page):
        warnings.append(NoteWarning(path, lines.get("video_url", line),
                                    "video_url is not an http(s) link; ignored"))  # fmt: skip
        page = ""
    if page and SAFE_ID.fullmatch(local_id):
        return [VideoRef(local_id, page, line, kind="external")]
    if video_id:
        if SAFE_ID.fullmatch(video_id):
            warnings.append(
                NoteWarning(
                    path,
                    line,
                    f"video_id {video_id!r} is not a YouTube id; "
                    "only a local transcript file can be used",
                )
            )
            return [VideoRef(video_id, "", line, kind="local")]
        warnings.append(
            NoteWarning(path, line, f"video_id {video_id!r} is not a usable id; ignored")
        )
    elif url:
        warnings.append(NoteWarning(path, line, f"youtube_url is not a YouTube video: {url}"))
    return []
