"""The Typesense collection: one per build, holding every kind of document.

Typesense 0.24 does not stem, so each text field holds talkseek's analysed terms
(`indexer.core.analysis`) in word order, compound joins after them: both engines
then match the same words, and Typesense's phrase search sees the same neighbours.
`terms` lists a document's terms once more as an array, the one kind of field a
filter can exclude words with. What pages show is stored beside, not indexed.
Two extra kinds of document travel with the build: the spelling vocabularies and
the build's own summary (`meta`, which names the model of the vectors), so moving the
alias moves them too.
"""

from __future__ import annotations

from indexer.core.analysis import analyze, name_forms
from indexer.engines.protocol import FIELD_WEIGHTS

VOCABULARY = "vocabulary"  # kind of the documents holding a spelling field's words
#: The spelling fields kept as documents (a speaker's words are read from the talk records).
VOCABULARY_FIELDS = ("title", "note", "transcript")
META = "meta"  # kind of the one document describing the build
META_ID = "meta"
VECTOR = "vector"  # a document's meaning vector (when the build had a model)
#: Bumped when documents change shape; an index of another format is rebuilt. 2: a passage
#: says whether it is repeated.
FORMAT = 2


def collection_schema(name: str, dimensions: int | None = None) -> dict:
    """The collection's fields; with `dimensions`, documents carry a meaning vector."""
    text = [{"name": field, "type": "string", "optional": True} for field in FIELD_WEIGHTS]
    stored = [{"name": field, "type": kind, "optional": True, "index": False}
              for field, kind in (("text", "string"), ("record", "string"),
                                  ("content_hash", "string"), ("payload", "string"),
                                  ("end", "float"), ("line", "int32"))]  # fmt: skip
    return {
        "name": name,
        "fields": [
            {"name": "kind", "type": "string", "facet": True},
            {"name": "talk_id", "type": "string", "facet": True},
            {"name": "video_id", "type": "string", "facet": True, "optional": True},
            {"name": "build", "type": "int32"},
            {"name": "start", "type": "float", "optional": True},
            {"name": "terms", "type": "string[]", "optional": True},
            # 1: a passage said in many talks (`ingest.repeats`), ranked after the others
            {"name": "repeated", "type": "int32", "optional": True},
            *text,
            *stored,
            *([{"name": VECTOR, "type": "float[]", "num_dim": dimensions, "optional": True}]
              if dimensions else []),
        ],
        "token_separators": [],
        "symbols_to_index": [],
    }


def analysed(text: str, name: bool = False) -> str:
    """A text's terms in word order, then the compound joins (which share a position
    with their first part and would break phrases if they stood between parts); for a
    name, then its words as written where they differ from their terms."""
    by_position: dict[int, tuple[int, str]] = {}
    joins: list[str] = []
    for term in analyze(text):
        width = term.end - term.start
        held = by_position.get(term.pos)
        if held is None or width < held[0]:
            if held is not None:
                joins.append(held[1])
            by_position[term.pos] = (width, term.text)
        else:
            joins.append(term.text)
    forms = [form.text for form in name_forms(text)] if name else []
    return " ".join([by_position[pos][1] for pos in sorted(by_position)] + joins + forms)
