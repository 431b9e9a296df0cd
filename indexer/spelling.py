"""Index words close to a misspelled one, looked up in C instead of term by term.

Whoosh's `terms_within` computes an edit distance in Python for every index
word sharing the first letter: about 50 ms a query on 150,000 passages. Here
each spelling field's words are read once per open index, bucketed by first
letter, and compared with rapidfuzz's optimal-string-alignment distance (a
swap of neighbouring letters is one edit, as in Whoosh's Damerau distance).
"""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.reading import IndexReader


class Vocabulary:
    """The words of one field, for near-miss lookups."""

    def __init__(self, reader: IndexReader, fieldname: str) -> None:
        self._by_first: dict[str, list[str]] = defaultdict(list)
        for term in reader.lexicon(fieldname):
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            if word:
                self._by_first[word[0]].append(word)

    def within(self, word: str, distance: int) -> list[str]:
        """Words at most `distance` edits from `word`, with the same first letter."""
        if not word:
            return []
        bucket = self._by_first.get(word[0], [])
        found = process.extract(
            word, bucket, scorer=OSA.distance, score_cutoff=distance, limit=None
        )
        return [candidate for candidate, _, _ in found]
