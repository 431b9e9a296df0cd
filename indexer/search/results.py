"""The result model: what `talkseek search --json`, `/api/search`, the pages and the
talk page show, shaped in one place from what an engine answered.

Notes and moments are shaped by the same functions wherever they appear, so a
note is "aligned" (has a moment to play) by one rule; highlighting marks the
words the query searched, and every URL opens the video at the moment.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import pairwise

from indexer.core.dates import talk_date
from indexer.core.statuses import OK, REASONS, UNKNOWN
from indexer.core.youtube import moment_url, watch_url
from indexer.engines.protocol import (
    Group,
    Matches,
    NoteHit,
    PassageHit,
    TalkContent,
    TalkMatch,
)
from indexer.search.highlight import Marks, excerpt_marked, mark
from indexer.search.plan import PlannedQuery

#: Words of a description shown for a talk found by its record alone.
DESCRIPTION_WORDS = 40


def clock(seconds: float | None) -> str:
    """Seconds as h:mm:ss (the form people read timestamps in); '' for none."""
    if seconds is None or seconds < 0:
        return ""
    total = int(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def talk_summary(record: dict) -> dict:
    """The `talk` part of a result."""
    videos = record.get("videos", [])
    first = videos[0] if videos else None
    url = ""
    if first is not None:
        url = first["url"] if first["kind"] != "youtube" else watch_url(first["video_id"])
    return {
        "id": record["id"],
        "title": record["title"],
        "speaker": record.get("speaker", ""),
        "role": record.get("role", ""),
        "event": record.get("event", ""),
        "section": " / ".join(record.get("section", [])),
        "video_id": first["video_id"] if first else None,
        "url": url,
        "source": f"{record['source']}:{record['line']}",
        "date": talk_date(record),
        "transcript_missing": missing_transcript(record),
        "same_transcript_as": record.get("same_transcript_as"),
        "title_unsaid": bool(record.get("title_unsaid")),
    }


def missing_transcript(record: dict) -> str | None:
    """Why a talk with videos has no transcript to search, or None (one has, or no video)."""
    videos = record.get("videos", [])
    if not videos or any(video.get("status") == OK for video in videos):
        return None
    status = videos[0].get("status", UNKNOWN)
    return REASONS.get(status) or videos[0].get("message") or REASONS[UNKNOWN]


def note_json(note: NoteHit, record: dict, marked: Collection[str] | Marks | None = None) -> dict:
    """A note; with `marked`, its HTML with the matched words marked."""
    aligned = note.start is not None and note.video_id is not None
    shaped: dict = {"text": note.text}
    if marked is not None:
        shaped["html"] = mark(note.text, marked)
    shaped["line"] = note.line
    shaped["start"] = note.start if aligned else None
    shaped["video_id"] = note.video_id if aligned else None
    shaped["url"] = (
        moment_url(record, note.video_id, note.start)
        if aligned and note.video_id is not None and note.start is not None
        else None
    )
    return shaped


def found_by(hits: list[PassageHit] | list[NoteHit]) -> str:
    """Which ranking found a moment (any of its passages) or a note."""
    found = {hit.found_by for hit in hits}
    if "both" in found or len(found) > 1:
        return "both"
    return found.pop() if found else "keyword"


def new_words(previous: str, text: str) -> str:
    """A passage's text without the words it repeats from the end of the one before.

    Passages overlap by a few words so that a phrase across their boundary is found;
    read one after another, the transcript should say each sentence once.
    """
    before, words = previous.split(), text.split()
    if not words:
        return text
    first = words[0]
    # the longest shared run starts at the earliest place `before` says the first word
    for at in range(max(0, len(before) - len(words)), len(before)):
        if before[at] == first and before[at:] == words[: len(before) - at]:
            return " ".join(words[len(before) - at :])
    return text


def _moment_pieces(passages: list[PassageHit]) -> list[tuple[PassageHit, str]]:
    """Each of a moment's passages (in time order) with the text it adds to the moment:
    each sentence once, and `…` where passages that did not match were left out."""
    pieces = [(passages[0], passages[0].text)] if passages else []
    for previous, passage in pairwise(passages):
        if min(previous.number, passage.number) < 0:  # places unknown: as they come
            pieces.append((passage, passage.text))
        elif passage.number == previous.number + 1:
            pieces.append((passage, new_words(previous.text, passage.text)))
        else:
            pieces.append((passage, "\u2026 " + passage.text))
    return [(passage, piece) for passage, piece in pieces if piece]


def moment_text(passages: list[PassageHit]) -> str:
    """A moment's passages as one text (see `_moment_pieces`)."""
    return " ".join(piece for _, piece in _moment_pieces(passages))


def _start_of_word(pieces: list[tuple[PassageHit, str]], word: int) -> float:
    """When the passage saying the moment text's `word` (of its `split()`) starts."""
    for passage, piece in pieces:
        word -= len(piece.split())
        if word < 0:
            return passage.start
    return pieces[-1][0].start


def moment_json(
    passages: list[PassageHit], record: dict, marked: Collection[str] | Marks
) -> dict:
    """A moment: its passages' text cut to an excerpt where it says the matched words
    closest together, playing from the passage where they start."""
    return _moment(passages, record, marked)[0]


def _moment(passages: list[PassageHit], record: dict, marked: Collection[str] | Marks
            ) -> tuple[dict, frozenset[str]]:  # fmt: skip
    """`moment_json`, and the terms marked anywhere in the moment.

    A moment found by meaning alone marks no words: the words it shares with the query
    are not why it was found; it plays from its start."""
    found = found_by(passages)
    if found == "meaning":
        marked = Marks(frozenset(), ())
    pieces = _moment_pieces(passages)
    text, html, opening, held = excerpt_marked(" ".join(piece for _, piece in pieces), marked)
    start = (_start_of_word(pieces, opening) if found != "meaning"
             else min(passage.start for passage in passages))
    video_id = passages[0].video_id
    shaped = {
        "video_id": video_id,
        "start": start,
        "end": max(passage.end for passage in passages),
        "text": text,
        "html": html,
        "url": moment_url(record, video_id, start),
        "found_by": found,
        # every passage of it is said in many talks: a sponsor read, an intro
        "repeated": all(passage.repeated for passage in passages),
    }
    return shaped, held


def groups_held(terms: frozenset[str], groups: tuple[Group, ...]) -> int:
    """How many of the query's groups the marked `terms` hold: one of a group's words, or
    every word of one of its phrases (in any order: this counts what a found moment
    says, it does not find one)."""
    return sum(any((all if match.phrase else any)(term in terms for term in match.terms)
                   for match in group) for group in groups)  # fmt: skip


def telling_moments(moments: list[list[PassageHit]], record: dict,
                    marked: Collection[str] | Marks, groups: tuple[Group, ...]
                    ) -> list[dict]:  # fmt: skip
    """The moments worth showing, shaped, in the engine's order: those found by meaning,
    and those holding more than half of the query's groups that the talk's best moment
    holds. A talk found for `raise series b` shows where all three are said, not a minute
    where "A/B testing" says b alone: such a moment still tells the engine that the talk
    keeps to the subject, but it does not show the user what they asked."""
    shaped = [_moment(moment, record, marked) for moment in moments]
    if len(groups) < 2:
        return [moment for moment, _ in shaped]
    held = [groups_held(terms, groups) if moment["found_by"] == "keyword" else None
            for moment, terms in shaped]  # fmt: skip
    most = max((count for count in held if count is not None), default=0)
    return [moment for (moment, _), count in zip(shaped, held, strict=True)
            if count is None or count * 2 > most]  # fmt: skip


def passage_json(passage: PassageHit, record: dict) -> dict:
    return {
        "video_id": passage.video_id,
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
        "url": moment_url(record, passage.video_id, passage.start),
    }


def result_json(talk: TalkMatch, marked: Collection[str] | Marks,
                groups: tuple[Group, ...] = ()) -> dict:  # fmt: skip
    record = talk.record
    summary = talk_summary(record)
    return {
        "talk": {
            **summary,
            # the searched words in the title and speaker too: often why the talk is here
            "title_html": mark(summary["title"], marked),
            "speaker_html": mark(summary["speaker"], marked),
            "description_html": _description_html(talk, marked),
        },
        "score": round(talk.score, 4),
        "notes": [
            {**note_json(note, record, marked if note.found_by != "meaning" else ()),
             "found_by": note.found_by}
            for note in talk.notes
        ],
        "moments": telling_moments(talk.moments, record, marked, groups),
    }


def _description_html(talk: TalkMatch, marked: Collection[str] | Marks) -> str:
    """For a talk with no note or moment to show (found by its record: title, speaker,
    keywords, description), an excerpt of its description, marked: what the result says
    about itself. Empty otherwise."""
    if talk.notes or talk.moments:
        return ""
    return excerpt_marked(talk.record.get("description") or "", marked, DESCRIPTION_WORDS)[1]


def search_json(
    text: str,
    page: int,
    per_page: int,
    planned: PlannedQuery,
    matches: Matches,
    sort: str = "relevance",
    mode: str = "keyword",
) -> dict:
    """The search result structure; `mode` is how it was answered (MODES)."""
    return {
        "query": text,
        "total": matches.total,
        "page": page,
        "per_page": per_page,
        "sort": sort,
        "mode": mode,
        "suggestion": planned.suggestion,
        "fallback": matches.fallback,
        "partial": matches.partial,
        "notices": matches.notices,
        "facets": {
            name: [{"value": facet.value, "count": facet.count} for facet in values]
            for name, values in matches.facets.items()
        },
        "results": [result_json(talk, planned.marks, planned.plan.groups)
                    for talk in matches.talks],
    }


def talk_json(content: TalkContent) -> dict:
    """The `/api/talks/<id>` structure: a talk with every note and passage."""
    record = content.record
    videos = [
        {**video, "reason": REASONS.get(video.get("status", ""), video.get("message", ""))}
        for video in record.get("videos", [])
    ]
    return {
        "talk": {
            **talk_summary(record),
            "description": record.get("description", ""),
            "keywords": record.get("keywords", []),
            "publish_date": record.get("publish_date", ""),
            "videos": videos,
        },
        "notes": [note_json(note, record) for note in content.notes],
        "passages": [passage_json(passage, record) for passage in content.passages],
    }
