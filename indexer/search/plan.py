"""A parsed query → the plan an engine runs, with its corrections and the words to mark.

Everything here happens once per query, whatever engine answers it: each word
is analysed, looked up in the index's vocabulary (a word the index lacks is
corrected to close words it has), each prefix is expanded to the index's most
frequent words that start with it, and the same expansions and corrections
decide what the results highlight.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from itertools import pairwise
from weakref import WeakKeyDictionary

import numpy as np

from indexer.core.analysis import (
    is_stop_word,
    name_forms,
    phrase_parts,
    spelling_words,
    spelt_out,
    stem,
    terms,
    unmarked,
    words,
)
from indexer.engines.protocol import (
    FIELD_WEIGHTS,
    NAME_FIELDS,
    SPELLING_FIELDS,
    Engine,
    Filter,
    Match,
    Plan,
)
from indexer.engines.vocabulary import Vocabulary
from indexer.search.acronym_clauses import meaning_text, spell_out, write_short
from indexer.search.acronyms import acronyms_of, short_forms_of
from indexer.search.highlight import Marks
from indexer.search.query import (
    DATE_FIELDS,
    Clause,
    Query,
    parse_query,
    respelt,
    typed_stop_word,
    unparse,
)

#: A prefix expands to at most this many words (the most frequent ones).
MAX_EXPANSIONS = 48
#: Words shorter than this are not matched to the beginnings of longer words.
MIN_LONGER = 5
#: A word shorter than this is corrected only by swapping neighbouring letters (`gtp`:
#: gpt): one other edit away lie too many short words (`wau`: was, way, war), and a short
#: word the index lacks is more often an acronym than a typo.
MIN_EDITED = 4
#: A corrected word's matches count this much of an exact word's.
CORRECTION_BOOST = 0.8
#: A speaker's name as typed counts this much of a word: typing `stevens` asks for a
#: Stevens, even when a Steven's title names him too.
NAME_BOOST = 3.0
#: A word is read as a name only when the talks of speakers it names are at least this
#: share of the passages, notes and titles writing it, those of the speakers' own talks
#: left out (a host says a guest's name all episode): `stevens` (2 speakers, 6 passages)
#: and `williams` (8, 46) are names, `memory` (1 speaker, 567) and `president` (Kid
#: President, 586) are words.
NAME_SHARE = 0.04
#: The talks of one name whose passages are read to count what they say of it.
MAX_OWN_TALKS = 5
#: Per engine, the generation served and what its speakers' own talks say of their names.
_OWN_SAID: WeakKeyDictionary[Engine, tuple[str, dict[str, int]]] = WeakKeyDictionary()
#: What all the neighbouring pairs of a run, each said as typed, are worth beside the
#: whole run said so (`Plan.pairs`): less, so the moment saying the whole run comes first.
#: The most that kept the phrases of `bench.known_items.remembered_phrases` found as
#: often as without pairs (0.85 found fewer of them, 1.0 far fewer).
PAIRS_SHARE = 0.7
#: A word this short is not taken for a misspelt name (`marty kagan`): too many names
#: are a letter away from a short word.
MIN_NAME_SLIP = 4
_TYPED = re.compile(r"\S+")
#: Filters whose words are corrected: the fields with spelling words of their own.
CORRECTED_FILTERS = ("speaker", "title")


@dataclass(frozen=True)
class PlannedQuery:
    """A query read once: what the engine runs, what was corrected, what to mark."""

    query: Query
    plan: Plan
    corrections: dict[str, str]
    suggestion: str | None
    highlight: frozenset[str]  # words marked wherever they stand
    phrases: tuple[tuple[str, ...], ...] = ()  # marked only where the whole phrase stands
    #: the plain words as a model reads their meaning: shorthand and acronyms spelt out
    meaning_text: str = ""

    @property
    def marks(self) -> Marks:
        return Marks(self.highlight, self.phrases)


def scope_fields(scope: str | None) -> tuple[str, ...]:
    if scope == "notes":
        return ("note",)
    if scope == "transcript":
        return ("transcript",)
    return tuple(FIELD_WEIGHTS)


class Planner:
    """Plans queries against one engine's vocabulary (reuse it for the engine's life)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._slips: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {}
        self._capitals: frozenset[str] = frozenset()

    def plan(self, text: str) -> PlannedQuery:
        query = parse_query(text or "")
        fields = scope_fields(query.scope)
        self._slips = self._name_slips(query.together, fields)
        self._capitals = _in_capitals(query.raw)
        query.notices.extend(f"Also searching for {' '.join(name)}, a speaker's name close to "
                             f"{' '.join(typed)}." for typed, name in self._slips.values())
        spelt = spell_out(query, acronyms_of(self.engine))
        shares = write_short(query, short_forms_of(self.engine))
        corrections: dict[str, str] = {}
        expansions: dict[str, list[str]] = {}
        groups = tuple(
            tuple(replace(m, boost=m.boost * shares.get(clause, 1.0)) for clause in group
                  for m in self._matches(clause, fields, corrections, expansions))
            for group in query.groups
        )  # fmt: skip
        everywhere = tuple(FIELD_WEIGHTS)
        excluded = tuple(
            tuple(self._matches(clause, everywhere, {}, expansions)) for clause in query.excluded
        )
        kept = self._corrected_filters(query.filters)
        left_out = self._corrected_filters(query.excluded_filters)
        filters = tuple(
            self._filter(name, value, negate)
            for negate, named in ((False, kept), (True, left_out))
            for name, values in named.items() for value in values
        )  # fmt: skip
        suggestion = None
        if corrections or kept != query.filters or left_out != query.excluded_filters:
            replaced = {**_replaced(query.filters, kept),
                        **_replaced(query.excluded_filters, left_out), **corrections}  # fmt: skip
            suggestion = respelt(query.raw, replaced)
            if suggestion == query.raw:  # nowhere to put them: the query as searched
                fixed = [[Clause(c.kind, corrections.get(c.text, c.text)) for c in group]
                         for group in query.groups]  # fmt: skip
                suggestion = unparse(replace(query, groups=fixed, filters=kept,
                                             excluded_filters=left_out))  # fmt: skip
        slipped = {word: _slip_word(typed, name, word)
                   for word, (typed, name) in self._slips.items()}  # fmt: skip
        runs = [*query.together, *(_respelt_run(run, slipped) for run in query.together
                                   if slipped)]  # fmt: skip
        plan = Plan(groups=groups, excluded=excluded, filters=filters, fields=fields,
                    together=_together(runs, corrections), pairs=_pairs(runs, corrections))
        highlight = _highlight(query, corrections, expansions) | {
            term for word in slipped.values() for term in terms(word)}
        phrases = tuple(dict.fromkeys(
            tuple(phrase_parts(corrections.get(clause.text, clause.text))[1])
            for group in query.groups for clause in group if _marked_whole(clause)
        ))  # fmt: skip
        return PlannedQuery(query, plan, corrections, suggestion, highlight, phrases,
                            meaning_text(query.free_text, spelt))

    # -- filters --------------------------------------------------------------------------

    def _filter(self, name: str, value: str, negate: bool) -> Filter:
        """A filter; one naming a speaker by one word keeps only the speakers it names as
        written: a word whose stem differs from it (Stevens) is held as written, and one
        that is its own stem (Steven) names the talks holding it as written, when others'
        names stem to it too (the stem alone would keep the Stevenses)."""
        made = _filter(name, value, negate)
        if name in NAME_FIELDS and made.match is not None and not made.match.phrase:
            forms = [form.text for form in name_forms(value)]
            vocabulary = self.engine.vocabulary(name)
            if len(forms) != 1:
                return made
            written = unmarked(forms[0])
            if written == forms[0] and vocabulary.frequency(written):
                return replace(made, match=Match((written,), name=True))
            if written != forms[0] and _stem_shared(vocabulary, written):
                return replace(made, talks=vocabulary.holders(written))
        return made

    def _corrected_filters(self, filters: dict[str, list[str]]) -> dict[str, list[str]]:
        return {name: [self._corrected_value(name, value) for value in values]
                for name, values in filters.items()}  # fmt: skip

    def _corrected_value(self, name: str, value: str) -> str:
        """A `speaker:` or `title:` value with each word the field lacks replaced by the
        field's closest word, as free words are corrected; the value as typed when no word
        needs (or finds) a correction. Other filters name exact values."""
        if name not in CORRECTED_FILTERS:
            return value
        typed = words(value)
        fixed = []
        for word in typed:
            found = phrase_parts(word)[1]
            if found and all(self.engine.document_frequency(name, t) == 0 for t in found):
                suggestions = [s for s in self._suggest(word, (name,)) if s != word]
                if not suggestions and name in NAME_FIELDS:  # a misheard first letter
                    suggestions = self._nearest(word, self.engine.vocabulary(name))
                word = suggestions[0] if suggestions else word
            fixed.append(word)
        return value if fixed == typed else " ".join(fixed)

    # -- one clause ---------------------------------------------------------------------

    def _matches(
        self,
        clause: Clause,
        fields: tuple[str, ...],
        corrections: dict[str, str],
        expansions: dict[str, list[str]],
    ) -> list[Match]:
        if clause.kind == "prefix":
            if clause.text not in expansions:
                expansions[clause.text] = self._prefix_stems(clause.text)
            stems = expansions[clause.text]
            return [Match(tuple(stems))] if stems else []
        if clause.kind == "phrase":
            _, parts = phrase_parts(clause.text)
            if len(parts) == 1:
                return [Match(tuple(parts))]
            return [Match(tuple(parts), phrase=True)] if parts else []
        return self._word(clause.text, fields, corrections)

    def _word(self, word: str, fields: tuple[str, ...], corrections: dict[str, str]) -> list[Match]:
        found, parts = phrase_parts(word)
        if not found:
            return []
        if word in self._slips:  # as typed, and as the speaker's name it is close to
            typed, name = self._slips[word]
            meant = _slip_word(typed, name, word)
            return [Match(tuple(sorted({*found, stem(meant)}))), *self._name(meant, fields)]
        if found == parts and len(parts) > 1:  # digits (`2.5`, `9/11`): their parts in order
            return [Match(tuple(parts), phrase=True)]
        if len(found) > 1:  # a compound: its joined form, or its parts in order
            if self._frequency(fields, found[0]) == 0:
                fixed = self._fix_parts(word, fields)
                if fixed != word:
                    corrections[word] = fixed
                    found, parts = phrase_parts(fixed)
            if is_stop_word(found[0]):  # `U.S.` is not every "us", nor `I.T.` every "it"
                return [Match(tuple(parts), phrase=True)]
            return [Match((found[0],)), Match(tuple(parts), phrase=True)]
        absent = self._frequency(fields, found[0]) == 0
        deliberate = spelt_out(word) or word in self._capitals
        if (absent or self._unwritten(word, found[0], fields)) and not deliberate:
            suggestions = [s for s in self._suggest(word, fields) if s != word]
            # a word never written as typed whose stem other words have is a typo when its
            # closest word stems otherwise (`definately` is not `define`, `recieve` not
            # `recieved`), and an unwritten form of that word when it stems alike
            # (`managment` finds management as typed)
            if suggestions and (absent or stem(suggestions[0]) != found[0]):
                corrections[word] = suggestions[0]
                stems = sorted({stem(s) for s in suggestions})
                named = self._name(suggestions[0], fields, CORRECTION_BOOST)
                return [Match(tuple(stems), boost=CORRECTION_BOOST), *named]
        return [Match(tuple(found)), *self._name(word, fields)]

    def _name(self, word: str, fields: tuple[str, ...], boost: float = 1.0) -> list[Match]:
        """The word as typed (or as corrected), when it names a speaker and others' names
        share its stem: the speaker's talks then match it as well as the stem
        (`NAME_FIELDS`). A word that is its own stem (`adam`) is a name only beside
        another name that stems to it (`adams`): else its stem finds the same talks."""
        forms = name_forms(word)
        if len(forms) != 1:
            return []
        form = forms[0].text
        written = unmarked(form)
        names = [name for name in NAME_FIELDS if name in fields and name in SPELLING_FIELDS]
        if form != written and not any(_stem_shared(self.engine.vocabulary(name), written)
                                       for name in names):  # fmt: skip
            return []
        named = sum(self.engine.vocabulary(name).frequency(written) for name in names)
        said = sum(self.engine.vocabulary(name).frequency(written) for name in SPELLING_FIELDS
                   if name not in NAME_FIELDS)  # fmt: skip
        if named and named < NAME_SHARE * said:
            said -= self._said_in_own_talks(written, names)
        if not named or named < NAME_SHARE * said:
            return []
        return [Match((form,), boost=NAME_BOOST * boost, name=True)]

    def _said_in_own_talks(self, word: str, names: list[str]) -> int:
        """How many passages, notes and titles of the talks a name is the speaker's write
        it: a host greets a guest by name all episode long (`shreya`), which makes it no
        one else's word. Counted once per word and generation, for a few talks at most."""
        own = set().union(*(self.engine.vocabulary(name).holders(word) or () for name in names))
        if not own or len(own) > MAX_OWN_TALKS:
            return 0
        generation = self.engine.generation()
        cached = _OWN_SAID.get(self.engine)
        if cached is None or cached[0] != generation:
            cached = _OWN_SAID[self.engine] = (generation, {})
        counts = cached[1]
        if word not in counts:
            contents = [self.engine.talk(talk_id) for talk_id in sorted(own)]
            counts[word] = sum(
                word in spelling_words(text) for content in contents if content
                for text in [content.record.get("title") or "",
                             *(note.text for note in content.notes),
                             *(passage.text for passage in content.passages)]
            )  # fmt: skip
        return counts[word]

    def _name_slips(self, runs: list[str], fields: tuple[str, ...]
                    ) -> dict[str, tuple[tuple[str, str], tuple[str, str]]]:  # fmt: skip
        """Words typed beside a speaker's first name or surname and one edit from the
        other (`marty kagan`, `julie zhou`): captions and memory misspell names, and a
        misspelling some captions share is in the index, so no typo correction finds the
        speaker. Each such word → (the two words typed, the speaker's two words), when
        talks say the speaker's word more often than the typed one (else the typed word
        is as likely meant) and it differs by more than its ending."""
        if "speaker" not in fields:
            return {}
        vocabulary = self.engine.vocabulary("speaker")
        slips: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {}
        for run in runs:
            for typed in pairwise(words(run)):
                for name in vocabulary.names_near(*typed):
                    word, meant = next((w, m) for w, m in zip(typed, name, strict=True) if w != m)
                    if (len(word) >= MIN_NAME_SLIP and stem(word) != stem(meant)
                            and self._said(word) < self._said(meant)):  # fmt: skip
                        slips.setdefault(word, (typed, name))
        return slips

    def _said(self, word: str) -> int:
        """How many documents write the word outside names: a name's slip is rarer than
        the name (`kagan` than `cagan`), where a word near a name is not (`long`, `lang`)."""
        return sum(self.engine.vocabulary(name).frequency(word) for name in SPELLING_FIELDS
                   if name not in NAME_FIELDS)  # fmt: skip

    def _unwritten(self, word: str, term: str, fields: tuple[str, ...]) -> bool:
        """True for a plain word that the searched fields with spelling words never write
        as typed, though other words they write have its `term`. (Other fields keep no
        words as written: a word only they hold, such as a keyword, may be as typed.)"""
        written = spelling_words(word)
        names = tuple(name for name in SPELLING_FIELDS if name in fields)
        if len(written) != 1 or not self._frequency(names, term):
            return False
        return not any(self.engine.vocabulary(name).frequency(next(iter(written)))
                       for name in names)  # fmt: skip

    def _frequency(self, fields: tuple[str, ...], term: str) -> int:
        return sum(self.engine.document_frequency(name, term) for name in fields)

    def _fix_parts(self, word: str, fields: tuple[str, ...]) -> str:
        """A compound with each part the index lacks replaced by its best correction."""
        fixed = []
        for part in re.split(r"([-.:/])", word):
            found = phrase_parts(part)[0]
            if len(found) == 1 and self._frequency(fields, found[0]) == 0:
                suggestions = [s for s in self._suggest(part, fields) if s != part]
                part = suggestions[0] if suggestions else part
            fixed.append(part)
        return "".join(fixed)

    def _suggest(self, word: str, fields: tuple[str, ...]) -> list[str]:
        """Close index words for a word the index does not have: nearest, then most frequent.

        Swapped neighbouring letters, the most common typo, count as one edit; the only
        one a short word gets (`MIN_EDITED`).
        """
        swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        for distance in (1, 2) if len(word) > 5 else (1,):
            found: Counter[str] = Counter()
            for name in (name for name in SPELLING_FIELDS if name in fields):
                vocabulary = self.engine.vocabulary(name)
                candidates = (set(vocabulary.within(word, distance))
                              if len(word) >= MIN_EDITED else set())  # fmt: skip
                candidates |= {swap for swap in swaps if vocabulary.frequency(swap)}
                for candidate in candidates:
                    found[candidate] += vocabulary.frequency(candidate)
            if found:
                return [candidate for candidate, _ in found.most_common(3)]
        return self._suggest_longer(word, fields)

    @staticmethod
    def _nearest(word: str, vocabulary: Vocabulary) -> list[str]:
        """The field's words one edit from `word` whatever their first letter, the most
        frequent first (`kagan` → cagan)."""
        if len(word) < MIN_NAME_SLIP:
            return []
        found = vocabulary.near(word, 1)
        return sorted(found, key=lambda candidate: (-vocabulary.frequency(candidate), candidate))

    def _suggest_longer(self, word: str, fields: tuple[str, ...]) -> list[str]:
        """For a word with no close match: longer words that begin like it, nearest first."""
        if len(word) < MIN_LONGER:
            return []
        found: Counter[str] = Counter()
        for name in (name for name in SPELLING_FIELDS if name in fields):
            vocabulary = self.engine.vocabulary(name)
            for candidate in vocabulary.starting_near(word, 1):
                found[candidate] += vocabulary.frequency(candidate)
        return [candidate for candidate, _ in found.most_common(3)]

    def _prefix_stems(self, prefix: str) -> list[str]:
        """The stems of the MAX_EXPANSIONS most frequent words that start with `prefix`."""
        counted: Counter[str] = Counter()
        for name in SPELLING_FIELDS:
            found, frequencies = self.engine.vocabulary(name).with_prefix(prefix)
            top = np.argsort(-frequencies, kind="stable")[: MAX_EXPANSIONS * 4]
            for at in top.tolist():
                counted[found[at]] += int(frequencies[at])
        return sorted({stem(word) for word, _ in counted.most_common(MAX_EXPANSIONS)})


def _in_capitals(raw: str) -> frozenset[str]:
    """The words typed with two capitals or more (`mRNA`, `WAU`), as `words` reads them:
    an acronym or a name spelt on purpose, never corrected to a word it is an edit from
    (`mena`). Not in a query typed all in capitals."""
    if not any(char.islower() for char in raw):
        return frozenset()
    return frozenset(word for typed in _TYPED.findall(raw)
                     if sum(char.isupper() for char in typed) >= 2
                     for word in words(typed))  # fmt: skip


def _replaced(typed: dict[str, list[str]], corrected: dict[str, list[str]]) -> dict[str, str]:
    """The words a filter correction replaced (`speaker:lnid` → `lnid`: `lind`)."""
    found: dict[str, str] = {}
    for name, values in typed.items():
        for value, fixed in zip(values, corrected.get(name, values), strict=False):
            before, after = words(value), words(fixed)
            if len(before) == len(after):
                found.update((b, a) for b, a in zip(before, after, strict=True) if b != a)
    return found


def _together(runs: list[str], corrections: dict[str, str]) -> tuple[Match, ...]:
    """Each run of words typed side by side, as corrected, as a phrase."""
    found = []
    for run in runs:
        _, parts = phrase_parts(" ".join(corrections.get(word, word) for word in words(run)))
        if len(parts) > 1:
            found.append(Match(tuple(parts), phrase=True))
    return tuple(dict.fromkeys(found))


def _pairs(runs: list[str], corrections: dict[str, str]) -> tuple[Match, ...]:
    """The neighbouring words of each run of three or more, as corrected, unless both are
    stop words ("of the" is said everywhere), as phrases worth their share of the run."""
    found: dict[Match, None] = {}
    for run in runs:
        typed = [corrections.get(word, word) for word in words(run)]
        if len(typed) < 3:
            continue  # the run is its one pair
        pairs = [phrase_parts(f"{first} {second}")[1] for first, second in pairwise(typed)
                 if not (typed_stop_word(first) and typed_stop_word(second))]  # fmt: skip
        pairs = [pair for pair in pairs if len(pair) > 1]
        for pair in pairs:
            found.setdefault(Match(tuple(pair), phrase=True, boost=PAIRS_SHARE / len(pairs)))
    return tuple(found)


def _slip_word(typed: tuple[str, str], name: tuple[str, str], word: str) -> str:
    """The speaker's word in place of the typed `word`."""
    return name[typed.index(word)]


def _respelt_run(run: str, slipped: dict[str, str]) -> str:
    return " ".join(slipped.get(word, word) for word in words(run))


def _stem_shared(vocabulary: Vocabulary, word: str) -> bool:
    """True when the field holds the word as written and other words that stem as it does
    (`steven` beside `stevens`)."""
    if not vocabulary.frequency(word):
        return False
    longer, _ = vocabulary.with_prefix(word)
    return any(other != word and stem(other) == stem(word) for other in longer)


def _filter(name: str, value: str, negate: bool = False) -> Filter:
    if name in ("video", *DATE_FIELDS):
        return Filter(name, value, negate=negate)
    _, parts = phrase_parts(value)
    match = Match(tuple(parts), phrase=len(parts) > 1) if parts else None
    return Filter(name, value, match, negate)


def _marked_whole(clause: Clause) -> bool:
    """A phrase, or a word with parts (`2.5`, `A.I.`, `event-driven`): its parts are marked
    only where they stand together, not each wherever it stands (a compound's joined form
    is marked as a word: `_joined_mark`)."""
    return clause.kind in ("phrase", "word") and len(phrase_parts(clause.text)[1]) > 1


def _joined_mark(text: str) -> str | None:
    """A compound's joined form, marked wherever it stands (`AI` for `A.I.`), unless it is
    a word said everywhere (`us` for `U.S.`); None for anything else."""
    found, parts = phrase_parts(text)
    if len(found) > len(parts) and not is_stop_word(found[0]):
        return found[0]
    return None


def _highlight(
    query: Query, corrections: dict[str, str], expansions: dict[str, list[str]]
) -> frozenset[str]:
    """The terms to mark in results: the query's own words as searched."""
    marked: set[str] = set()
    for group in query.groups:
        for clause in group:
            text = corrections.get(clause.text, clause.text)
            if clause.kind == "prefix":  # the words searched for, not every expansion
                marked.update(expansions.get(clause.text, ()))
                marked.add(stem(text))
            elif _marked_whole(clause):  # its parts where they stand together (phrases)
                joined = _joined_mark(text) if clause.kind == "word" else None
                if joined is not None:
                    marked.add(joined)
            else:
                marked.update(terms(text))
    return frozenset(marked)

