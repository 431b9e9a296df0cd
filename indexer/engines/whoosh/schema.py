"""The Whoosh schema, in one place.

One index holds the three kinds of document (`Kind`), all keyed by `talk_id`:
- `talk`: title, speaker, event, section, description, keywords, and a stored
  JSON record of the talk for result pages;
- `note`: one bullet or paragraph, its source line and aligned start time;
- `passage`: a stretch of transcript with video, start and end seconds.
Text fields share the one analyzer; their weights are the protocol's FIELD_WEIGHTS.
"""

from __future__ import annotations

import struct

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.system import pack_uint

from indexer.core.analysis import name_positions, term_positions
from indexer.engines.whoosh.analyzer import ANALYZER


class PackedPositions(Positions):
    """A posting's positions as their count, then each as a little-endian uint32.

    Whoosh pickles each posting's position gaps; exporting the posting arrays
    (`postings`) then unpickled every posting of the index one at a time, most of
    the export. Packed, a field's positions are read in one pass.
    """

    def encode(self, poslist):
        return pack_uint(len(poslist)) + struct.pack(f"<{len(poslist)}I", *poslist)

    def decode_positions(self, valuestring):
        return list(struct.unpack(f"<{len(valuestring) // 4 - 1}I", valuestring[4:]))


class AnalyzedText(TEXT):
    """A TEXT field indexed through the cached per-word analysis.

    Whoosh runs its filter chain token by token, a third of a build's time;
    `term_positions` gives the same terms and positions (tested against
    the analyzer) from a cache. Spelling words still go through the analyzer.
    """

    positions = staticmethod(term_positions)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.format = PackedPositions(field_boost=kwargs.get("field_boost", 1.0))

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost, encode = self.format.field_boost, self.format.encode
        for term, positions in self.positions(value).items():
            yield term.encode("utf-8"), len(positions), len(positions) * boost, encode(positions)


class NameText(AnalyzedText):
    """A name field (`NAME_FIELDS`): its words as written stand beside their terms, at
    their positions. They are other spellings of the same words, so they add nothing to
    the field's length (Whoosh sums it from the frequencies it is given, and BM25 weighs
    a field by its length against its peers'): a name is as long as its words."""

    positions = staticmethod(name_positions)

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost, encode = self.format.field_boost, self.format.encode
        counted = term_positions(value)
        for term, positions in self.positions(value).items():
            yield (term.encode("utf-8"), len(counted.get(term, ())), len(positions) * boost,
                   encode(positions))  # fmt: skip


def _text(stored: bool = False, spelling: bool = False, name: bool = False) -> TEXT:
    kind = NameText if name else AnalyzedText
    return kind(analyzer=ANALYZER, phrase=True, stored=stored, spelling=spelling)


def make_schema() -> Schema:
    return Schema(
        doc_id=ID(unique=True, stored=True),
        kind=ID(stored=True, sortable=True),
        talk_id=ID(stored=True, sortable=True),
        video_id=ID(stored=True, sortable=True),
        title=_text(spelling=True),
        speaker=_text(name=True),  # the protocol's NAME_FIELDS
        event=_text(),
        section=_text(),
        keywords=_text(),
        description=_text(),
        note=_text(spelling=True),
        # Transcript words for typos and prefixes come from the exported arrays
        # (postings.py): a spelling field would analyse every passage a second time.
        transcript=_text(),
        text=STORED(),
        # Times are shown and ranked by, never searched: stored and in a column, not
        # indexed (a NUMERIC field writes a term per precision level of every value:
        # most of an index's terms, and of the time its writers take to finish).
        start=STORED(),
        # A column for fast per-hit lookup (float columns are broken in Whoosh 2.7).
        start_ms=COLUMN(NumericColumn("q", default=-1)),
        # 1 for a passage said in many talks (a sponsor read): ranked below the rest.
        repeated=COLUMN(NumericColumn("B", default=0)),
        end=STORED(),
        line=STORED(),
        talk=STORED(),
        content_hash=STORED(),
    )
