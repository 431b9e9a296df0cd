"""Index words near a misspelled one or under a prefix, without a walk term by term.

An engine gives each spelling field's words once per open index; they are
bucketed by first letter and compared with rapidfuzz's optimal-string-alignment
distance (a swap of neighbouring letters is one edit), instead of an edit
distance computed in Python for every index word, as Whoosh's `terms_within`
does. The sorted words and their document frequencies also answer prefixes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.core.analysis import is_stop_word, spelling_words, words
from indexer.engines.protocol import NAME_FIELDS


class Vocabulary:
    """The words of one field, for near-miss lookups."""

    def __init__(self, words: list[str], frequencies: np.ndarray,
                 holders: dict[str, frozenset[str]] | None = None,
                 pairs: Iterable[tuple[str, str]] = ()) -> None:  # fmt: skip
        """`words` sorted, each with its document frequency; for a field of talk records,
        `holders` gives the talks holding each word as written, and for a name field
        `pairs` the words its names write side by side (a first name and a surname)."""
        self.words = words
        self.frequencies = frequencies
        self._holders = holders
        self._pairs = frozenset(pairs)
        self._after: defaultdict[str, set[str]] = defaultdict(set)
        self._before: defaultdict[str, set[str]] = defaultdict(set)
        for first, second in self._pairs:
            self._after[first].add(second)
            self._before[second].add(first)
        self._by_first: dict[str, list[str]] = defaultdict(list)
        for word in words:
            if word:
                self._by_first[word[0]].append(word)

    def frequency(self, word: str) -> int:
        at = bisect_left(self.words, word)
        return int(self.frequencies[at]) if at < len(self.words) and self.words[at] == word else 0

    def holders(self, word: str) -> frozenset[str] | None:
        """The talks whose record holds the word as written (None: not a record field)."""
        if self._holders is None:
            return None
        return self._holders.get(word, frozenset())

    def with_prefix(self, prefix: str) -> tuple[list[str], np.ndarray]:
        """The words starting with `prefix` and their document frequencies."""
        first = bisect_left(self.words, prefix)
        last = bisect_left(self.words, prefix + "\U0010ffff")
        return self.words[first:last], self.frequencies[first:last]

    def within(self, word: str, distance: int) -> list[str]:
        """Words at most `distance` edits from `word`, with the same first letter."""
        if not word:
            return []
        bucket = self._by_first.get(word[0], [])
        found = process.extract(
            word, bucket, scorer=OSA.distance, score_cutoff=distance, limit=None
        )
        return [candidate for candidate, _, _ in found]

    def near(self, word: str, distance: int) -> list[str]:
        """Words at most `distance` edits from `word`, whatever their first letter: for the
        small fields of names, whose first letters people mishear (Cagan, Kagan)."""
        found = process.extract(
            word, self.words, scorer=OSA.distance, score_cutoff=distance, limit=None
        )
        return [candidate for candidate, _, _ in found]

    def names_near(self, first: str, second: str) -> list[tuple[str, str]]:
        """The pairs of name words one edit from `first second` in one of the two words,
        the other as typed: `marty kagan` → (marty, cagan), `julie zhou` → (julie, zhuo).
        None when the two words are a name as typed."""
        if (first, second) in self._pairs:
            return []
        found = [(first, other) for other in self._after.get(first, ())
                 if OSA.distance(second, other, score_cutoff=1) <= 1]  # fmt: skip
        found += [(other, second) for other in self._before.get(second, ())
                  if OSA.distance(first, other, score_cutoff=1) <= 1]  # fmt: skip
        return sorted(found)

    def starting_near(self, word: str, distance: int) -> list[str]:
        """Longer words whose beginning is at most `distance` edits from `word`: the close
        match of `gravitn` may live only inside `graviton3e`."""
        if not word:
            return []
        size = len(word)
        bucket = [w for w in self._by_first.get(word[0], []) if len(w) > size]
        found = process.extract(
            word, bucket, scorer=OSA.distance, score_cutoff=distance, limit=None,
            processor=lambda text: text[: size + 1] if text is not word else text,
        )  # fmt: skip
        return [candidate for candidate, _, _ in found]


def record_vocabulary(records: Iterable[dict], field: str) -> Vocabulary:
    """The words of one field of talk records (a title, a speaker's name), each with the
    number of talks holding it: small fields every engine reads from its records. A name
    field's words also name those talks (filters by a name as written need them)."""
    holding: defaultdict[str, set[str]] = defaultdict(set)
    pairs: set[tuple[str, str]] = set()
    for record in records:
        text = record.get(field) or ""
        for word in spelling_words(text):
            holding[word].add(record["id"])
        if field in NAME_FIELDS:
            pairs.update(_name_pairs(text))
    found = sorted(holding)
    holders = ({word: frozenset(talks) for word, talks in holding.items()}
               if field in NAME_FIELDS else None)  # fmt: skip
    return Vocabulary(found, np.array([len(holding[word]) for word in found], dtype=np.int64),
                      holders, pairs)


def _name_pairs(name: str) -> Iterable[tuple[str, str]]:
    """The words a name writes side by side, leaving out numbers, initials and the words
    that join names ("Bill and Melinda Gates": bill, melinda gates)."""
    return ((first, second) for first, second in pairwise(words(name))
            if all(len(word) > 1 and word.isalpha() and not is_stop_word(word)
                   for word in (first, second)))  # fmt: skip
