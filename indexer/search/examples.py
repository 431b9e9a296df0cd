"""Example searches drawn from the index served, so that each one finds something.

Fixed examples about one conference find nothing in another collection; these
name a speaker, an event and a phrase that the index actually holds.
"""

from __future__ import annotations

from itertools import pairwise

from indexer.core.analysis import is_stop_word, words
from indexer.engines.protocol import Engine

#: How many talk titles are tried for a two-word phrase.
TITLES_TRIED = 50


def _field(name: str, value: str) -> str:
    value = " ".join(value.replace('"', " ").split())
    return f'{name}:"{value}"' if " " in value else f"{name}:{value}"


def _title_phrase(engine: Engine) -> str | None:
    """Two neighbouring words of a talk's title, neither a stop word."""
    for talk_id in engine.talk_ids()[:TITLES_TRIED]:
        content = engine.talk(talk_id)
        if content is None:
            continue
        found = words(str(content.record.get("title", "")))
        for first, second in pairwise(found):
            if not (is_stop_word(first) or is_stop_word(second) or first.isdigit()):
                return f'"{first} {second}"'
    return None


def examples(engine: Engine) -> list[str]:
    """Up to three searches that find talks in this index: a phrase, a speaker, an event."""
    overview = engine.overview()
    found = []
    phrase = _title_phrase(engine)
    if phrase:
        found.append(phrase)
    speakers = overview.get("speaker", [])
    if speakers:
        surname = speakers[0].value.split()[-1].lower()
        found.append(_field("speaker", surname))
    events = overview.get("event", [])
    if events:
        found.append(_field("event", events[0].value))
    return found
