"""The one text analyzer, shared by indexing, querying and highlighting.

Words are split so that `S3`, `re:Invent`, `Gall's`, `event-driven` and
`Amazon.com` are findable whole and by their parts: a compound yields its parts
at consecutive positions plus the joined form at the first part's position.
Then lowercase, accents folded, and nltk's Snowball stemmer (pure Python, so
stems are cached). Stop words stay in the index, so quoted phrases can match
them; plain query words drop them (see `is_stop_word`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files

from nltk.stem.snowball import SnowballStemmer
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    Token,
)
from whoosh.support.charset import accent_map

WORD = r"\w+(?:['\u2019]\w+)*(?:[-.:/]\w+(?:['\u2019]\w+)*)*"
_SEPARATORS = re.compile(r"[-.:/]")
_APOSTROPHE = re.compile(r"['\u2019]")
_POSSESSIVE = re.compile(r"['\u2019]s$", re.I)
_stemmer = SnowballStemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of a lowercase word, cached: the stemmer is the hot spot of indexing."""
    return _stemmer.stem(word)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    lines = files("indexer").joinpath("stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_stop_word(word: str) -> bool:
    """True for a lowercase, apostrophe-free word on the shipped stop list."""
    return word in stop_words()


class CompoundFilter(Filter):
    """Split `re:Invent` into `re`, `invent` (+ `reinvent`), drop possessive `'s`."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        shift = 0
        for token in tokens:
            text = _POSSESSIVE.sub("", token.text)
            if text != token.text and hasattr(token, "endchar"):
                token.endchar -= len(token.text) - len(text)
            text = _APOSTROPHE.sub("", text)
            parts = [part for part in _SEPARATORS.split(text) if part]
            if hasattr(token, "pos"):
                token.pos += shift
            if len(parts) <= 1:
                token.text = parts[0] if parts else text
                yield token
                continue
            yield from self._parts(token, parts)
            shift += len(parts) - 1

    @staticmethod
    def _parts(token: Token, parts: list[str]) -> Iterator[Token]:
        base_pos = getattr(token, "pos", 0)
        base_char = getattr(token, "startchar", 0)
        end_char = getattr(token, "endchar", 0)
        original = token.text
        token.text = "".join(parts)
        yield token
        cursor = 0
        for offset, part in enumerate(parts):
            found = original.find(part, cursor)
            cursor = found + len(part) if found >= 0 else cursor
            token.text = part
            if hasattr(token, "pos"):
                token.pos = base_pos + offset
            if hasattr(token, "startchar") and found >= 0:
                token.startchar = base_char + found
                token.endchar = base_char + found + len(part)
            yield token
        if hasattr(token, "endchar"):
            token.endchar = end_char


def make_analyzer() -> Analyzer:
    """Tokenize, split compounds, lowercase, fold accents, stem."""
    return (
        RegexTokenizer(WORD)
        | CompoundFilter()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StemFilter(stemfn=stem, cachesize=None)
    )


ANALYZER = make_analyzer()


_WORD_PATTERN = re.compile(WORD)
_PLAIN = re.compile(r"\w+")  # no compound separators or apostrophes

#: One tokenizer match's index terms: (term, position offset, start char, end char).
WordTerms = tuple[tuple[str, int, int, int], ...]


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> tuple[int, WordTerms]:
    """How many positions one tokenizer match takes, and its index terms, cached.

    The tokenizer is the WORD regex and every later step sees one token at a
    time, so analysing a text match by match gives what analysing it whole
    would, without running the filter chain over every occurrence of a word.
    """
    if _PLAIN.fullmatch(word):  # one token: what the chain would do, without its set-up
        return 1, ((stem(word.lower().translate(accent_map)), 0, 0, len(word)),)
    found = tuple(
        (token.text, token.pos, token.startchar, token.endchar)
        for token in ANALYZER(word, positions=True, chars=True)
    )
    return max((pos for _, pos, _, _ in found), default=0) + 1, found


def term_positions(text: str) -> dict[str, list[int]]:
    """Each index term of a text with its positions: what indexing a text field needs."""
    positions: dict[str, list[int]] = {}
    base = 0
    for found in _WORD_PATTERN.finditer(text):
        width, found_terms = word_terms(found.group())
        for term, offset, _, _ in found_terms:
            if term in positions:
                positions[term].append(base + offset)
            else:
                positions[term] = [base + offset]
        base += width
    return positions


def phrase_parts(text: str) -> tuple[list[str], list[str]]:
    """All index terms of a text, and the terms that follow each other in it.

    The second list leaves out compound joins (they share a position with their
    first part), so it is what a phrase query must find in order.
    """
    tokens = [(token.text, token.pos) for token in ANALYZER(text, positions=True)]
    ordered = [
        term for index, (term, pos) in enumerate(tokens)
        if index + 1 == len(tokens) or tokens[index + 1][1] != pos
    ]  # fmt: skip
    return [term for term, _ in tokens], ordered


def terms(text: str) -> list[str]:
    """The index terms of a text, in order (compound joins included)."""
    return [token.text for token in ANALYZER(text)]


_SPELLING = make_analyzer()


@lru_cache(maxsize=200_000)
def _spelling_of(word: str) -> tuple[str, ...]:
    return tuple(token.text for token in _SPELLING(word, no_morph=True))


def spelling_words(text: str) -> set[str]:
    """The unstemmed words of a text that typo and prefix lookups offer (compound parts too).

    The same as the analyzer without its stemmer, one word at a time (cached):
    transcripts are too long to run the whole chain over them twice.
    """
    found: set[str] = set()
    for match in _WORD_PATTERN.finditer(text):
        found.update(_spelling_of(match.group()))
    return found


def words(text: str) -> list[str]:
    """Lowercase, accent-folded, unstemmed words, compounds whole: the query side's units.

    The tokenizer, lowercase and accent steps of the analyzer, without its chain.
    """
    return [word.lower().translate(accent_map) for word in _WORD_PATTERN.findall(text)]
