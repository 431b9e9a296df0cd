"""What every engine computes the same way from talk records and stored documents:
facet values, date filters, the fields a record indexes, and stored notes and passages
as hits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from indexer.core.dates import talk_date
from indexer.core.statuses import OK
from indexer.core.talks import vector_text_of_talk
from indexer.engines.protocol import FACETS, FacetCount, Filter, Kind, NoteHit, PassageHit

FACET_VALUES = 20  # values shown per facet
#: Results whose facet values lead the values as common as theirs (the rest: alphabetical).
FACET_LEADERS = 200
NOTES_SHOWN = 5  # matching notes returned per talk
DATE_FILTERS = ("year", "after", "before")


def facet_value(record: dict, name: str) -> str:
    """A talk's value for a facet ("" when it has none)."""
    if name == "year":
        return (talk_date(record) or "")[:4]
    value = record.get(name) or ""
    return " / ".join(value) if name == "section" else str(value)


def count_facets(records: Iterable[dict], ranked: bool) -> dict[str, list[FacetCount]]:
    """The most common values of each facet among these talks, most common first; among
    values as common, those of the first FACET_LEADERS talks as the talks come (`ranked`:
    results, so a tie shows the values of the first results), then alphabetical. Talks
    without a value are not counted."""
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    places: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for rank, record in enumerate(records):
        for name in FACETS:
            value = facet_value(record, name)
            counters[name][value] += 1
            if ranked and rank < FACET_LEADERS:
                places[name].setdefault(value, rank)
    facets = {}
    for name, counts in counters.items():
        counts.pop("", None)
        place = places[name]
        top = sorted(counts.items(), key=lambda item: (
            -item[1], place.get(item[0], FACET_LEADERS), item[0]))[:FACET_VALUES]  # fmt: skip
        facets[name] = [FacetCount(value, count) for value, count in top]
    return facets


def date_passes(date: str, condition: Filter) -> bool:
    """A talk's date against a date filter, compared at the filter's precision."""
    mine = date[: len(condition.value)]
    if condition.field == "year":
        return date[:4] == condition.value
    if condition.field == "after":
        return mine >= condition.value
    return mine < condition.value


def date_order_key(record: dict) -> int:
    """Sorts newest first (a year counts as its start); talks without a date last."""
    return -int((talk_date(record) or "0").replace("-", "").ljust(8, "0"))


def note_hit(fields: dict, found_by: str = "keyword") -> NoteHit:
    """A stored note; aligned when it has a moment (a start and a video)."""
    start = fields.get("start")
    video_id = fields.get("video_id") or None
    if start is None or start < 0 or video_id is None:
        return NoteHit(fields["text"], fields.get("line"), found_by=found_by)
    return NoteHit(fields["text"], fields.get("line"), float(start), video_id, found_by)


def passage_hit(fields: dict, found_by: str = "keyword", repeated: bool | None = None
                ) -> PassageHit:  # fmt: skip
    """A passage document's hit; `repeated` when the fields do not say (a column)."""
    start = float(fields["start"])
    doc_id = fields.get("doc_id") or fields.get("id") or ""  # Typesense's document id is it
    said_often = bool(fields.get("repeated")) if repeated is None else repeated
    return PassageHit(fields["video_id"], start, float(fields.get("end", start)), fields["text"],
                      found_by, doc_number(doc_id), said_often)  # fmt: skip


def doc_number(doc_id: str) -> int:
    """The running number at the end of a note or passage document id."""
    tail = doc_id.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def transcribed(record: dict) -> bool:
    """True when at least one of the talk's videos has its transcript indexed."""
    return any(video.get("status") == OK for video in record.get("videos", []))


def vector_text(fields: dict) -> str:
    """The text a document's meaning vector is made of (see `ingest.vectors`): a talk's
    title and description, a note's or a passage's text."""
    if fields.get("kind") == Kind.TALK:
        record = fields.get("talk") or {}
        return vector_text_of_talk(record.get("title") or "", record.get("description") or "")
    return fields.get("text") or ""


def record_fields(record: dict) -> dict[str, str]:
    """The text fields a talk's own document indexes, from its record (so an engine can
    tell what a record holds without reading the document back)."""
    return {
        "title": record["title"],
        "speaker": " ".join(filter(None, [record.get("speaker", ""), record.get("role", "")])),
        "event": record.get("event", ""),
        "section": " / ".join(record.get("section", [])),
        "keywords": ", ".join(record.get("keywords", [])),
        "description": record.get("description", ""),
    }
