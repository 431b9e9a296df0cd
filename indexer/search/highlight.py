"""Matched words → `<mark>` in HTML-escaped text, and short excerpts around them.

Matching uses the index analyzer, so `running` is marked for a query `runs`,
and compound parts are marked as the index saw them. Everything that is not a
mark is escaped: notes and transcripts are untrusted text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import NamedTuple

from indexer.core.analysis import WORD, analyze, word_pattern, word_terms

EXCERPT_WORDS = 60
#: Words an excerpt shows before the match it opens on.
LEAD_WORDS = 8


@dataclass(frozen=True)
class Marks:
    """What to mark: single words (analysed terms) anywhere, and phrases (terms in order)
    only where the whole phrase stands: `"four to six years"` marks that run, not every
    `to` in the text."""

    words: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = ()


def _marks(terms: Collection[str] | Marks) -> Marks:
    return terms if isinstance(terms, Marks) else Marks(frozenset(terms))


def _word_spans(text: str, terms: Collection[str]) -> Iterator[tuple[int, int]]:
    """Character spans of the text's words that analyse to one of the terms, in order.

    The same spans as `analyze(text)` gives, read from the per-word cache without
    building a term for every word. The plain version: `_marked_spans` must agree.
    """
    for found in word_pattern(text).finditer(text):
        for term in word_terms(found.group())[1]:
            if term.text in terms:
                offset = found.start()
                yield offset + term.start, offset + term.end


#: A whole token starting here: no word character just before it; and for one starting
#: with a word character, no word joined by `'`/`-`/`.`/`:`/`/` or a soft hyphen before it,
#: nor a symbol ending's possessive (the s of `C#'s`), nor a dot that would lead it
#: (`.NET`: a lone dot before a letter). Else it continues an earlier token.
_WHOLE_TOKEN = re.compile(
    r"(?<!\w)(?:(?=\.)|(?<!\w[-.:/'\u2019\u00ad])"
    r"(?!(?<=\w#['\u2019])s\b)(?!(?<=\w\+\+['\u2019])s\b)"
    r"(?:(?<!\.)|(?<=\.\.)|(?=[\d_])))" + WORD
)


@lru_cache(maxsize=10_000)
def _token_marks(token: str, terms: frozenset[str]) -> tuple[tuple[int, int], ...]:
    """The spans, relative to the token, of its terms that are marked (usually none)."""
    return tuple((term.start, term.end) for term in word_terms(token)[1] if term.text in terms)


#: The plain words whose Snowball stem has another second letter (`dying` → `die`).
_SECOND_LETTER_CHANGED = frozenset({"dying", "lying", "tying"})


def _beginnings(terms: Collection[str]) -> set[str]:
    """What a token must begin with to analyse to one of the terms: their first two
    letters (a one-letter term: its letter)."""
    return {term[:2] for term in terms}


def _beginnings_of(token: str) -> tuple[str, ...] | None:
    """The first two letters that the token's terms begin with, one per term (a
    one-letter term begins with the first of them), or None when only analysing the
    token (stemming it) can tell.

    Each term is the stem of an unstemmed term the analyzer reads cheaply (the word,
    or a compound's parts and their join, folded, without apostrophes), and stemming
    only cuts or changes endings: a plain ASCII word's stem keeps its first two
    letters (its first, when the stem is one letter: `aed` -> `a`), but for three
    words Snowball lists. Any other unstemmed term: None.
    """
    if token.isascii() and token.isalnum():  # the common case: a plain word
        lowered = token.lower()
        return None if lowered in _SECOND_LETTER_CHANGED else (lowered[:2],)
    found = []
    for term in word_terms(token, False)[1]:
        text = term.text
        if not (text.isascii() and text.isalnum()) or text in _SECOND_LETTER_CHANGED:
            return None
        found.append(text[:2])
    return tuple(found)


class _Surfaces:
    """Tokens this process has met, and per term the tokens that analyse to it, so a
    text's marked tokens are found by set operations (in C, atomic under the GIL)
    rather than by judging each of its tokens again for every query.

    A plain word is analysed (stemmed: the costly step) only once a query has a term
    it could analyse to (see `_beginnings_of`); until then it waits under its first two
    letters, so a query finds the waiting words it may mark without a step per word."""

    LIMIT = 50_000  # tokens remembered before starting afresh (bounds a worker's memory)

    def __init__(self) -> None:
        self.seen: set[str] = set()  # analysed or waiting
        self.by_term: dict[str, set[str]] = {}
        self.waiting: dict[str, set[str]] = {}  # first two letters, lowercased -> tokens

    def _analyse(self, token: str) -> None:
        for analysed in word_terms(token)[1]:
            self.by_term.setdefault(analysed.text, set()).add(token)

    def marked(self, tokens: set[str], terms: frozenset[str]) -> set[str]:
        for token in tokens - self.seen:
            waits_under = _beginnings_of(token)
            if waits_under is None:
                self._analyse(token)
            for beginning in waits_under or ():
                self.waiting.setdefault(beginning, set()).add(token)
            self.seen.add(token)
        for beginning in _beginnings(terms):
            keys = [beginning] if len(beginning) > 1 else [
                key for key in list(self.waiting) if key[:1] == beginning]  # fmt: skip
            for key in keys:
                waiting = self.waiting.get(key)
                if waiting:
                    for token in waiting & tokens:
                        self._analyse(token)
                        waiting.discard(token)
        found: set[str] = set()
        for term in terms:
            found |= tokens & self.by_term.get(term, set())
        return found


_surfaces = _Surfaces()


def _marked_tokens(tokens: set[str], terms: frozenset[str]) -> set[str]:
    global _surfaces
    if len(_surfaces.seen) > _Surfaces.LIMIT:
        _surfaces = _Surfaces()
    return _surfaces.marked(tokens, terms)


def _marked_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """`_word_spans` sorted, found without a Python step per word: the distinct tokens
    come from one `findall`, the marked ones among them by set operations, and only
    those are looked for again, kept where they stand as whole tokens."""
    spans: list[tuple[int, int]] = []
    for token in _marked_tokens(set(word_pattern(text).findall(text)), terms):
        relative = _token_marks(token, terms)
        at = text.find(token)
        while at >= 0:
            whole = _WHOLE_TOKEN.match(text, at)
            if whole is not None and whole.end() == at + len(token):
                spans.extend((at + start, at + end) for start, end in relative)
            at = text.find(token, at + 1)
    spans.sort()
    return spans


@lru_cache(maxsize=100_000)
def _token_terms(token: str) -> frozenset[str]:
    return frozenset(term.text for term in word_terms(token)[1])


def _phrase_words(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> set[str] | None:
    """The distinct tokens that analyse to a phrase's term (found as `_marked_spans`
    finds marked words); None when no phrase can stand in the text (one of each
    phrase's terms is absent)."""
    words = _marked_tokens(set(tokens), frozenset(term for phrase in phrases for term in phrase))
    present: set[str] = set()
    for token in words:
        present |= _token_terms(token)
    return words if any(present.issuperset(phrase) for phrase in phrases) else None


def _sequence(text: str, tokens: list[str], words: AbstractSet[str]
              ) -> list[tuple[str, int, int]]:  # fmt: skip
    """The terms of the text's tokens among `words`, in reading order, compound joins left
    out (what a phrase follows), with ("", 0, 0) standing for every run of other tokens
    (none of them can be a phrase's term, and a phrase never spans one)."""
    held = [index for index, token in enumerate(tokens) if token in words]
    if not held:
        return []
    starts = [found.start() for found in word_pattern(text).finditer(text)]
    sequence: list[tuple[str, int, int]] = []
    after = 0  # the token index just after the last one held
    for index in held:
        if index != after:
            sequence.append(("", 0, 0))
        after = index + 1
        _, terms = word_terms(tokens[index])
        offset = starts[index]
        joined = len(terms) > 1 and terms[1].pos == terms[0].pos  # (digits have none: `2.5`)
        for term in terms[1:] if joined else terms:
            sequence.append((term.text, offset + term.start, offset + term.end))
    return sequence


def _phrase_spans(text: str, phrases: tuple[tuple[str, ...], ...]) -> list[tuple[int, int]]:
    if not phrases:
        return []
    tokens = word_pattern(text).findall(text)
    words = _phrase_words(tokens, phrases)
    if words is None:
        return []
    sequence = _sequence(text, tokens, words)
    texts = [term for term, _, _ in sequence]
    spans = []
    for phrase in phrases:
        size = len(phrase)
        last = len(texts) - size
        for first in [at for at, term in enumerate(texts) if term == phrase[0] and at <= last]:
            if tuple(texts[first : first + size]) == phrase:
                spans.append((sequence[first][1], sequence[first + size - 1][2]))
    return spans


def _matches(text: str, marks: Marks) -> list[tuple[int, int]]:
    """Every marked span, in order (words and phrases together)."""
    found = _marked_spans(text, marks.words) if marks.words else []
    phrases = _phrase_spans(text, marks.phrases)
    return sorted(found + phrases) if phrases else found


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:  # a compound and its parts overlap: merge
            merged[-1] = (merged[-1][0], max(merged[-1][1], span[1]))
        else:
            merged.append(span)
    return merged


def _spans(text: str, terms: Collection[str] | Marks) -> list[tuple[int, int]]:
    return _merged(_matches(text, _marks(terms)))


def _html(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, cursor = [], 0
    for start, end in spans:
        pieces.append(escape(text[cursor:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    pieces.append(escape(text[cursor:]))
    return "".join(pieces)


def mark(text: str, terms: Collection[str] | Marks) -> str:
    """The text, HTML-escaped, with every matched word or phrase wrapped in <mark>."""
    return _html(text, _spans(text, terms))


def mark_held(text: str, terms: Collection[str] | Marks) -> tuple[str, frozenset[str]]:
    """`mark(text)`, and the terms it marks (how much of a query the text says)."""
    spans = _matches(text, _marks(terms))
    return _html(text, _merged(spans)), _held(text, spans)


def _held(text: str, spans: list[tuple[int, int]]) -> frozenset[str]:
    return frozenset().union(*(_span_terms(text[start:end]) for start, end in spans))


class Excerpt(NamedTuple):
    """An excerpt, the same marked, the word (of `text.split()`, the whole text's)
    holding the match it opens on (0 when nothing is marked), and the terms marked
    anywhere in the whole text."""

    text: str
    html: str
    opening: int
    held: frozenset[str] = frozenset()


def _words_before(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Each span's word in `text.split()` (a span inside a word counts as that word)."""
    return [len(text[:start].split()) - (0 if start == 0 or text[start - 1].isspace() else 1)
            for start, _ in spans]  # fmt: skip


def _spaces_before(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """`_words_before` for a text whose words are joined by single spaces: the spaces
    before each span, counted from the one before (spans are in order)."""
    at, counted, last = [], 0, 0
    for start, _ in spans:
        counted += text.count(" ", last, start)
        at.append(counted)
        last = start
    return at


def _window(text: str, spans: list[tuple[int, int]], at: list[int], count: int, size: int
            ) -> tuple[int, int]:  # fmt: skip
    """Where the excerpt of `size` of the text's `count` words begins, and the word of the
    match it opens on: the first window, when it shows every match; else a little before
    the tightest run of matches holding every matched term, when one fits in a window;
    else the window showing the most different terms, the earliest such. The word it
    opens on is where the tightest run starts, when shown. A moment that says one query
    word in passing before saying them all together shows, and plays from, the place
    where it says them together; one word said again and again does not outweigh the
    first place it is said beside no other. `at` is each span's word."""
    if not spans:
        return 0, 0
    held = [_span_terms(text[start:end]) for start, end in spans]
    every = len(frozenset().union(*held))
    left, right = _tightest(at, held, every)
    first_begin = max(0, min(at[0] - LEAD_WORDS, count - size))
    if at[-1] < first_begin + size:  # the first window shows every match (the common case)
        return first_begin, left
    begin = max(0, min(left - LEAD_WORDS, count - size))
    if right < begin + size:
        return begin, left
    best, opening, most = 0, 0, -1
    shown: dict[str, int] = {}  # the window's terms, each with its matches in it
    distinct = low = high = 0  # the window holds spans low..high-1 (they are in order)
    for first in dict.fromkeys(at):
        begin = max(0, min(first - LEAD_WORDS, count - size))
        while high < len(at) and at[high] < begin + size:
            for term in held[high]:
                shown[term] = shown.get(term, 0) + 1
                distinct += shown[term] == 1
            high += 1
        while at[low] < begin:
            for term in held[low]:
                shown[term] -= 1
                distinct -= shown[term] == 0
            low += 1
        if distinct > most:
            best, opening, most = begin, first, distinct
            if most == every:  # no later window shows more (usually the first)
                break
    return best, opening



def _tightest(at: list[int], held: list[frozenset[str]], every: int) -> tuple[int, int]:
    """The first and last word of the shortest run of spans holding all `every` terms
    (the earliest of equal ones), found in one pass with two ends."""
    best = (at[0], at[-1])
    shown: dict[str, int] = {}
    distinct = low = 0
    for high, terms in enumerate(held):
        for term in terms:
            shown[term] = shown.get(term, 0) + 1
            distinct += shown[term] == 1
        while distinct == every:
            if at[high] - at[low] < best[1] - best[0]:
                best = (at[low], at[high])
            for term in held[low]:
                shown[term] -= 1
                distinct -= shown[term] == 0
            low += 1
    return best

@lru_cache(maxsize=20_000)
def _span_terms(span: str) -> frozenset[str]:
    """The terms of a marked span (a word or a phrase), cached: spans recur."""
    return frozenset(term.text for term in analyze(span))


def excerpt(text: str, terms: Collection[str] | Marks, size: int = EXCERPT_WORDS) -> str:
    """About `size` words of the text, where it says the most of what is marked."""
    words = text.split()
    if len(words) <= size:
        return text
    spans = _matches(text, _marks(terms))
    begin, _ = _window(text, spans, _words_before(text, spans), len(words), size)
    prefix = "\u2026 " if begin > 0 else ""
    suffix = " \u2026" if begin + size < len(words) else ""
    return f"{prefix}{' '.join(words[begin : begin + size])}{suffix}"


def excerpt_marked(text: str, terms: Collection[str] | Marks, size: int = EXCERPT_WORDS
                   ) -> Excerpt:  # fmt: skip
    """`excerpt(text)` and `mark()` of that excerpt, from one reading of the text: the
    excerpt's marks are the text's marks that lie wholly inside it."""
    marks = _marks(terms)
    words = text.split()
    spans = _matches(text, marks)
    even = " ".join(words) == text
    at = _spaces_before(text, spans) if even else _words_before(text, spans)
    begin, opening = _window(text, spans, at, len(words), size)
    held = _held(text, spans)
    if len(words) <= size:
        return Excerpt(text, _html(text, _merged(spans)), opening, held)
    if not even:  # uneven spacing: cut as `excerpt`, which joins words by one space
        cut = excerpt(text, marks, size)
        return Excerpt(cut, mark(cut, marks), opening, held)
    start = len(" ".join(words[:begin])) + (1 if begin else 0)
    end = start + len(" ".join(words[begin : begin + size]))
    inside = [(a - start, b - start) for a, b in spans if a >= start and b <= end]
    prefix = "\u2026 " if begin > 0 else ""
    suffix = " \u2026" if begin + size < len(words) else ""
    body = text[start:end]
    return Excerpt(f"{prefix}{body}{suffix}", f"{prefix}{_html(body, _merged(inside))}{suffix}",
                   opening, held)
