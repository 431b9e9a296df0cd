"""The seam between talkseek and the engines that store and rank its documents.

Everything above this module (the query language, the result shaper, the CLI and
the web app) speaks only these types; everything below (an engine) answers them.
A query reaches an engine as a `Plan` of analysed terms, so every engine matches
the same words the same way; an engine answers with `Matches`: ranked talks, each
with its matching notes and its best moments, plus facet counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from indexer.engines.vocabulary import Vocabulary
    from indexer.ingest import Ingested


class Kind(StrEnum):
    """The three kinds of document every engine holds, all keyed by talk id."""

    TALK = "talk"  # title, speaker, event, section, description, keywords + the talk's record
    NOTE = "note"  # one bullet or paragraph, with its line and aligned moment
    PASSAGE = "passage"  # a stretch of transcript with its video, start and end


#: Fields searched for plain words, with their weight: titles and notes above transcripts.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 4.0,
    "speaker": 3.0,
    "keywords": 2.0,
    "description": 1.5,
    "event": 1.0,
    "section": 1.0,
    "note": 2.0,
    "transcript": 1.0,
}
#: The fields of notes and of passages; every other field is a talk record's.
_FIELD_KINDS = {"note": Kind.NOTE, "transcript": Kind.PASSAGE}


def field_kind(name: str) -> Kind:
    """The kind of document that holds a searched field."""
    return _FIELD_KINDS.get(name, Kind.TALK)


#: Fields holding people's names: their words are indexed as written too, where that
#: differs from their terms (`indexer.core.analysis.name_forms`).
NAME_FIELDS = ("speaker",)
#: Fields whose unstemmed words an engine offers for typos and prefixes (a name is what
#: people misspell most).
SPELLING_FIELDS = ("title", "speaker", "note", "transcript")
#: A passage said in many talks (a sponsor read, `Collection.repeated`) ranks below what
#: a talk says itself, unless it says a whole run of at least this many words typed side by
#: side: who types a read word for word is looking for it.
VERBATIM_WORDS = 4
#: What a facet counts, per talk.
FACETS = ("event", "speaker", "section", "year")
#: How results can be ordered.
SORTS = ("relevance", "date")
#: How a query is answered: by its words, by its meaning (a vector), or both fused.
MODES = ("hybrid", "keyword", "meaning")
#: Which ranking found a note or a moment.
FOUND_BY = ("keyword", "meaning", "both")


class IndexMissing(RuntimeError):
    """There is no built index to search yet."""


#: What an engine says when nothing was ever built.
NOT_BUILT = "no index in the data folder yet: run `talkseek index` first"


class BuildLocked(RuntimeError):
    """Another build of the same index is running."""


class IndexDamaged(RuntimeError):
    """The index exists but cannot be read as it is; a full rebuild mends it."""


class EngineUnavailable(RuntimeError):
    """The engine's servers cannot be reached or refuse the request (a cluster down,
    a wrong API key); the message says which and never holds the key."""


# -- what a query asks ---------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """One way a clause can match: any of `terms`, or, for a phrase, all in order.

    Terms are analysed (`indexer.core.analysis`); `boost` scales the score of
    what this alternative finds (a corrected typo counts a little less).
    """

    terms: tuple[str, ...]
    phrase: bool = False
    boost: float = 1.0
    #: a word as typed that names a speaker (its term is a name form): a talk of that
    #: speaker matches both it and the word's stem, and so ranks above other bearers
    name: bool = False


#: Alternatives of one query group (words joined by OR): a document matching any counts.
Group = tuple[Match, ...]


@dataclass(frozen=True)
class Filter:
    """Only talks whose `field` holds `match` (a text field), or with video `value`;
    with `negate`, every talk but those.

    Date fields compare a talk's date (`indexer.core.dates`) at the value's precision:
    `year` (`2023`), `after` (on or after: `2023-06`), `before` (strictly before); talks
    without a date never pass them (and so always pass them negated).
    """

    field: str
    value: str
    match: Match | None = None
    negate: bool = False
    #: the talks it names, when planning already knows them better than `match` can say
    #: (a first name that others' surnames stem to: `speaker:steven` is not Stevens)
    talks: frozenset[str] | None = None


#: Filters a talk has exactly one value of, matched exactly: given twice, either value
#: (`year:2023 year:2024`), since both at once would keep nothing. Other filters given
#: twice narrow each other, as a facet clicked under a filter does: `event:"re:Invent"`,
#: then `event:"AWS re:Invent 2023"`, keeps that year's talks.
EITHER = frozenset({"year"})


def allowed_talks(filters: Iterable[Filter], holding: Callable[[Filter], set[str]],
                  every: Iterable[str]) -> set[str] | None:  # fmt: skip
    """The talks that pass the filters (None when there are none), given the talks
    `holding` what each names: the values of an `EITHER` field joined, then every
    filter applied in turn (a negated one: all talks but those it holds)."""
    either: dict[str, set[str]] = {}
    each: list[tuple[Filter, set[str]]] = []
    for condition in filters:
        if condition.field in EITHER and not condition.negate:
            either.setdefault(condition.field, set()).update(holding(condition))
        else:
            each.append((condition, holding(condition)))
    if not either and not each:
        return None
    allowed: set[str] | None = None
    for talks in either.values():
        allowed = talks if allowed is None else allowed & talks
    for condition, talks in each:
        if allowed is None:
            allowed = set(every) - talks if condition.negate else set(talks)
        else:
            allowed = allowed - talks if condition.negate else allowed & talks
    return allowed



@dataclass(frozen=True)
class Plan:
    """A query as an engine runs it.

    A talk matches when every group matches in one of its documents (talk
    record, note or passage) over `fields`; documents matching an excluded
    group are dropped (a talk record matching one drops the talk). With no
    groups, the filters alone list talks (newest first by index order).
    """

    groups: tuple[Group, ...] = ()
    excluded: tuple[Group, ...] = ()
    filters: tuple[Filter, ...] = ()
    fields: tuple[str, ...] = tuple(FIELD_WEIGHTS)
    sort: str = "relevance"  # or "date": newest first, talks without a date last
    #: "keyword" ranks by the groups; "meaning" by `vector`, "hybrid" by both fused. The
    #: vector's rankings keep the filters, the exclusions and the groups that are only
    #: phrases (a talk must hold them): exact syntax stays exact.
    mode: str = "keyword"
    #: the query's unit vector, from the model of the engine's `meaning()`: a future of a
    #: numpy float32 array, still being embedded while the engine starts on the keywords
    vector: Future[Any] | None = field(default=None, compare=False, repr=False)
    #: words typed side by side, as phrases (`Match.phrase`): required of no talk, but a
    #: document holding one as typed ranks above those holding its words apart (an
    #: engine whose own ranking already favours words close together may rely on that)
    together: tuple[Match, ...] = ()
    #: neighbouring words of a run of three or more (`together`), unless both are stop
    #: words, as phrases: a passage or note saying some of them as typed ranks above one
    #: saying none, below one saying the whole run. Each pair's `boost` is its share of
    #: what the whole run is worth (the pairs of a run sum to less than one): a run
    #: remembered with a word wrong or missing still finds the moment
    pairs: tuple[Match, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.filters

    @property
    def by_meaning(self) -> bool:
        return self.mode != "keyword" and self.vector is not None

    @property
    def phrase_groups(self) -> tuple[Group, ...]:
        """The groups made only of phrases: what meaning results must hold too."""
        return tuple(g for g in self.groups if g and all(m.phrase for m in g))


class Budget:
    """How long one search may work. Past it an engine adds no more work (more terms,
    phrases, groups) and answers with what it has, saying so (`Matches.partial`)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.exceeded = False

    def spent(self) -> bool:
        """True once the time is up (and remembered: the answer is partial)."""
        if not self.exceeded and time.monotonic() > self.ends:
            self.exceeded = True
        return self.exceeded


# -- what an engine answers ----------------------------------------------------------


@dataclass(frozen=True)
class NoteHit:
    """A note of a talk; `start` and `video_id` only when it is aligned to a moment."""

    text: str
    line: int | None
    start: float | None = None
    video_id: str | None = None
    found_by: str = "keyword"  # FOUND_BY


@dataclass(frozen=True)
class PassageHit:
    """A stretch of one video's transcript."""

    video_id: str
    start: float
    end: float
    text: str
    found_by: str = "keyword"  # FOUND_BY
    #: its place in the talk's transcript: a passage repeats the last few words of the
    #: one numbered before it (a phrase across their boundary is then in one passage)
    number: int = -1
    #: said in many talks (a sponsor read: `Collection.repeated`)
    repeated: bool = False


@dataclass
class TalkMatch:
    """A matching talk: its record, its matching notes (best first) and its moments
    (each a run of passages in time order, best moment first)."""

    talk_id: str
    record: dict
    score: float
    notes: list[NoteHit] = field(default_factory=list)
    moments: list[list[PassageHit]] = field(default_factory=list)


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass
class Matches:
    """Every talk a plan matched (`total`), the requested slice of them in order,
    whether only some groups matched (`fallback`), and facet counts over all."""

    total: int
    talks: list[TalkMatch]
    fallback: bool = False
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    partial: bool = False  # the budget ran out: some of the plan was not searched
    #: where this engine answered the plan differently from the query language's meaning
    notices: list[str] = field(default_factory=list)


@dataclass
class TalkContent:
    """One talk whole: its record, every note and every passage in reading order."""

    record: dict
    notes: list[NoteHit]
    passages: list[PassageHit]


@dataclass
class BuildReport:
    """What a build did, for the summary line."""

    full: bool
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    documents: int = 0
    seconds: float = 0.0
    note: str = ""  # why the build did something it was not asked to

    def __str__(self) -> str:
        kind = "full build" if self.full else "update"
        line = (
            f"index {kind}: {self.added} talks added, {self.updated} updated, "
            f"{self.removed} removed, {self.unchanged} unchanged "
            f"({self.documents} documents written, {self.seconds:.1f}s)"
        )
        return f"{line}; {self.note}" if self.note else line


@dataclass(frozen=True)
class EngineStats:
    engine: str
    generation: str
    talks: int
    documents: int
    passages: int
    transcribed: int = 0  # talks with at least one video's transcript
    with_video: int = 0  # talks with at least one video (the others are notes only)


@dataclass(frozen=True)
class MeaningInfo:
    """The model an index's vectors were made with: its setting (a fastembed name or a
    folder: queries are embedded with the same), its cache key and its dimensions."""

    model: str
    key: str
    dimensions: int


#: The stage of a build that writes the talks; an engine may name later stages of its own.
INDEXING = "indexing talks"


class BuildProgress(Protocol):
    """Told how far a build is: `done` of `total` steps of its `stage`, again and again
    while a step takes long (a log then says the build is alive)."""

    def __call__(self, done: int, total: int, stage: str = INDEXING) -> None: ...


@runtime_checkable
class Engine(Protocol):
    """An index of talks, notes and passages that builds, answers plans and serves one
    generation at a time. Opening is cheap; the first search or `warm()` loads what
    searching needs. Not safe for concurrent use: callers take turns."""

    name: str

    def build(
        self, ingested: Ingested, full: bool = False, progress: BuildProgress | None = None
    ) -> BuildReport:
        """Write the index for what ingest gave, aside, and publish it atomically.

        Incremental unless `full`: only talks whose content changed are written.
        Raises BuildLocked when another build runs; the previous index keeps serving
        whatever happens.
        """
        ...

    def latest_generation(self) -> str | None:
        """The generation published now (cheap; None when there is no index)."""
        ...

    def generation(self) -> str:
        """The generation this engine serves (IndexMissing when there is none)."""
        ...

    def search(self, plan: Plan, first: int, last: int, budget: Budget | None = None) -> Matches:
        """The talks matching a plan, best first, with talks [first, last) in full.

        With a budget, the search stops adding work once it is spent (`partial`)."""
        ...

    def talk(self, talk_id: str) -> TalkContent | None:
        """One talk with all its notes and passages, or None if unknown."""
        ...

    def talk_ids(self) -> list[str]:
        """Every talk indexed."""
        ...

    def document_frequency(self, field: str, term: str) -> int:
        """How many documents hold an analysed term in a field."""
        ...

    def vocabulary(self, field: str) -> Vocabulary:
        """The unstemmed words of a spelling field, for typos and prefixes; a name
        field's (`NAME_FIELDS`) also name the talks holding each (`Vocabulary.holders`)."""
        ...

    def warm(self) -> None:
        """Load now what searches need, so the first one does not wait. Cheap once loaded:
        `search()` calls it before each search's budget starts."""
        ...

    def records(self) -> list[dict]:
        """Every talk's record (what result pages show), in no particular order."""
        ...

    def overview(self) -> dict[str, list[FacetCount]]:
        """The facets of every talk indexed: the most common events, speakers, sections."""
        ...

    def meaning(self) -> MeaningInfo | None:
        """The model the served index's vectors were made with; None: keywords only."""
        ...

    def verify(self, thorough: bool = True) -> list[str]:
        """What is wrong with the index as stored (empty: intact); `thorough` reads it
        all, otherwise only what is cheap to check."""
        ...

    def stats(self) -> EngineStats:
        ...

    def close(self) -> None:
        ...
