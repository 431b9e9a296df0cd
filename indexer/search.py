"""Queries → talks ranked with their matching notes and best moments.

Each query group (a word, a phrase, or words joined by OR) is looked up on its
own over talk records, notes and passages. A talk matches when every group
matches somewhere in it; talks where all groups fall inside one note or within
about a minute of video (captions cut sentences across passages) rank first,
and that minute is the moment to play. If no talk has every group, the search
falls back to any group and says so. Nothing here raises on user input.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.query import NullQuery, Or, Phrase, Query, Term

from indexer import generations
from indexer.analysis import ANALYZER, phrase_parts, stem
from indexer.highlight import excerpt, mark
from indexer.postings import Postings
from indexer.query import Clause, parse_query, unparse
from indexer.query import Query as ParsedQuery
from indexer.ranking import KIND_CODES, DocTable, Hit, RankedTalk, Ranking, rank
from indexer.schema import FIELD_WEIGHTS, TALK
from indexer.scoring import BulkScorer, Scores
from indexer.spelling import Vocabulary
from indexer.youtube import moment_url, watch_url

NOTES_SHOWN = 5
PER_PAGE = 10
MAX_PER_PAGE = 50
MAX_EXPANSIONS = 48
SPELL_FIELDS = ("title", "note", "transcript")


class IndexMissing(RuntimeError):
    """There is no built index to search yet."""


def _scope_fields(scope: str | None) -> tuple[str, ...]:
    if scope == "notes":
        return ("note",)
    if scope == "transcript":
        return ("transcript",)
    return tuple(FIELD_WEIGHTS)


class TalkIndex:
    """An open index generation: reuse it across searches, close it when done."""

    def __init__(self, index_dir: Path) -> None:
        folder = generations.current(index_dir)
        if folder is None:
            raise IndexMissing(f"no index in {index_dir}: run `talkseek index` first")
        self.folder = folder
        self.index = whoosh_index.open_dir(str(folder))
        self.searcher = self.index.searcher()
        self.reader = self.searcher.reader()
        self.postings = Postings(self.reader, folder)
        self.scorer = BulkScorer(self.searcher, self.postings)
        self._talks: dict[str, dict] | None = None
        self._table: DocTable | None = None
        self._vocabularies: dict[str, Vocabulary] = {}
        self._facet_cache: dict[str, tuple[np.ndarray, list[str], np.ndarray]] | None = None
        self._with_record = np.zeros(0, dtype=bool)

    def close(self) -> None:
        self.searcher.close()

    def __enter__(self) -> TalkIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def talks(self) -> dict[str, dict]:
        """Every talk's stored record by id, loaded once per generation."""
        if self._talks is None:
            self._talks = {
                fields["talk_id"]: fields["talk"] for fields in self.searcher.documents(kind=TALK)
            }
        return self._talks

    # -- building whoosh queries -------------------------------------------------

    def _frequency(self, fieldnames: tuple[str, ...], term: str) -> int:
        return sum(self.postings.document_frequency(name, term) for name in fieldnames)

    def _word_query(self, word: str, fieldnames, corrections: dict[str, str]) -> Query:
        texts, parts = phrase_parts(word)
        if not texts:
            return NullQuery
        if len(texts) > 1:  # a compound: its joined form, or its parts in order
            if self._frequency(fieldnames, texts[0]) == 0:
                fixed = self._fix_parts(word, fieldnames)
                if fixed != word:
                    corrections[word] = fixed
                    texts, parts = phrase_parts(fixed)
            return Or([self._terms(fieldnames, [texts[0]]), self._phrase(fieldnames, parts)])
        if self._frequency(fieldnames, texts[0]) == 0:
            suggestions = [s for s in self._suggest(word, fieldnames) if s != word]
            if suggestions:
                corrections[word] = suggestions[0]
                stems = sorted({stem(s) for s in suggestions})
                return self._terms(fieldnames, stems, boost=0.8)
        return self._terms(fieldnames, texts)

    def _fix_parts(self, word: str, fieldnames) -> str:
        """A compound with each part the index lacks replaced by its best correction."""
        fixed = []
        for part in re.split(r"([-.:/])", word):
            found = phrase_parts(part)[0]
            if len(found) == 1 and self._frequency(fieldnames, found[0]) == 0:
                suggestions = [s for s in self._suggest(part, fieldnames) if s != part]
                part = suggestions[0] if suggestions else part
            fixed.append(part)
        return "".join(fixed)

    def _terms(self, fieldnames, texts, boost: float = 1.0) -> Query:
        return Or([Term(name, text, boost=FIELD_WEIGHTS[name] * boost)
                   for name in fieldnames for text in texts])  # fmt: skip

    def _phrase(self, fieldnames, parts: list[str]) -> Query:
        return Or([Phrase(name, parts, slop=1, boost=FIELD_WEIGHTS[name]) for name in fieldnames])

    def _suggest(self, word: str, fieldnames) -> list[str]:
        """Close index words for a word the index does not have: nearest, then most frequent.

        Swapped neighbouring letters, the most common typo, count as one edit.
        """
        swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        for distance in (1, 2) if len(word) > 5 else (1,):
            found: Counter[str] = Counter()
            for name in (name for name in SPELL_FIELDS if name in fieldnames):
                vocabulary = self._vocabulary(name)
                candidates = set(vocabulary.within(word, distance))
                candidates |= {swap for swap in swaps if vocabulary.frequency(swap)}
                for candidate in candidates:
                    found[candidate] += vocabulary.frequency(candidate)
            if found:
                return [candidate for candidate, _ in found.most_common(3)]
        return []

    def _vocabulary(self, name: str) -> Vocabulary:
        """Unstemmed words of a field: its spelling field, or for transcripts the arrays."""
        if name not in self._vocabularies:
            if name == "transcript":
                vocabulary = Vocabulary(*self.postings.transcript_words())
            else:
                spell = self.index.schema[name].spelling_fieldname(name)
                vocabulary = Vocabulary.of_field(self.reader, spell)
            self._vocabularies[name] = vocabulary
        return self._vocabularies[name]

    def _prefix_stems(self, prefix: str) -> list[str]:
        """The stems of the MAX_EXPANSIONS most frequent words that start with `prefix`."""
        words: Counter[str] = Counter()
        for name in SPELL_FIELDS:
            found, frequencies = self._vocabulary(name).with_prefix(prefix)
            top = np.argsort(-frequencies, kind="stable")[: MAX_EXPANSIONS * 4]
            for at in top.tolist():
                words[found[at]] += int(frequencies[at])
        return sorted({stem(word) for word, _ in words.most_common(MAX_EXPANSIONS)})

    def _prefix_query(self, prefix: str, fieldnames) -> Query:
        stems = self._prefix_stems(prefix)
        return self._terms(fieldnames, stems) if stems else NullQuery

    def _clause_query(self, clause: Clause, fieldnames, corrections) -> Query:
        if clause.kind == "prefix":
            return self._prefix_query(clause.text, fieldnames)
        if clause.kind == "phrase":
            _, parts = phrase_parts(clause.text)
            if len(parts) == 1:
                return self._terms(fieldnames, parts)
            return self._phrase(fieldnames, parts) if parts else NullQuery
        return self._word_query(clause.text, fieldnames, corrections)

    # -- running them --------------------------------------------------------------

    def _run(self, query: Query) -> Scores:
        """Every matching document and its score."""
        return self.scorer.run(query)

    def _allowed_talks(self, parsed: ParsedQuery) -> set[str] | None:
        allowed: set[str] | None = None
        for name, values in parsed.filters.items():
            for value in values:
                if name == "video":
                    ids = {f["talk_id"] for f in self.searcher.documents(video_id=value)}
                else:
                    query = self._clause_query(Clause("phrase", value), (name,), {})
                    talks = self.table.talk[self._run(query).docs]
                    ids = {self.table.talk_ids[code] for code in set(talks.tolist())}
                allowed = ids if allowed is None else allowed & ids
        return allowed

    def search(self, text: str, page: int = 1, per_page: int = PER_PAGE) -> dict:
        """The result structure shared by `talkseek search --json` and the JSON API."""
        page = max(int(page), 1)
        per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
        parsed = parse_query(text or "")
        corrections: dict[str, str] = {}
        ranking = self._match(parsed, corrections)
        suggestion = None
        if corrections:
            fixed = parse_query(text)
            fixed.groups = [[Clause(c.kind, corrections.get(c.text, c.text)) for c in group]
                            for group in fixed.groups]  # fmt: skip
            suggestion = unparse(fixed)
        terms = self._highlight_terms(parsed, corrections)
        shown = ranking.talks(self.table, (page - 1) * per_page, page * per_page)
        return {
            "query": text,
            "total": len(ranking.order),
            "page": page,
            "per_page": per_page,
            "suggestion": suggestion,
            "fallback": ranking.fallback,
            "facets": self._facets(ranking.order),
            "results": [self._result(talk, terms) for talk in shown],
        }

    @property
    def table(self) -> DocTable:
        """Per-document kind, talk, video and start, read from the columns once."""
        if self._table is None:
            names = ("kind", "talk_id", "video_id", "start_ms")
            try:
                columns = {name: list(self.reader.column_reader(name)) for name in names}
            except NotImplementedError:  # a reader without columns (e.g. an empty index)
                stored = [self.reader.stored_fields(d) for d in range(self.reader.doc_count_all())]
                columns = {name: [fields.get(name) for fields in stored] for name in names}
            self._table = DocTable.from_columns(
                columns["kind"], columns["talk_id"], columns["video_id"],
                [(ms or 0) / 1000 for ms in columns["start_ms"]],
            )  # fmt: skip
            self._with_record = np.array([t in self.talks for t in self._table.talk_ids], bool)
        return self._table

    def _talk_mask(self, talk_ids) -> np.ndarray:
        wanted = set(talk_ids)
        return np.array([t in wanted for t in self.table.talk_ids], dtype=bool)

    def _match(self, parsed: ParsedQuery, corrections) -> Ranking:
        table = self.table
        if parsed.is_empty:
            return Ranking(np.zeros(0, dtype=np.int64), False)
        fieldnames = _scope_fields(parsed.scope)
        allowed = self._allowed_talks(parsed)
        if not parsed.groups:  # filters alone: list the talks they select
            codes = np.flatnonzero(self._talk_mask(allowed or ()) & self._with_record)
            return Ranking(codes[::-1], False)
        allowed_mask = self._with_record.copy()
        if allowed is not None:
            allowed_mask &= self._talk_mask(allowed)
        excluded = self._excluded_docs(parsed)
        excluded_talks = np.zeros(len(table.talk_ids), dtype=bool)
        if len(excluded):
            excluded_talks[table.talk[excluded[table.kind[excluded] == KIND_CODES[TALK]]]] = True
        groups = []
        for group in parsed.groups:
            query = Or([self._clause_query(c, fieldnames, corrections) for c in group])
            scores = self._run(query)
            if len(excluded):
                keep = ~np.isin(scores.docs, excluded)
                scores = Scores(scores.docs[keep], scores.scores[keep])
            groups.append(scores)
        return rank(table, groups, allowed_mask, excluded_talks)

    def _excluded_docs(self, parsed: ParsedQuery) -> np.ndarray:
        found = [self._run(self._clause_query(clause, tuple(FIELD_WEIGHTS), {})).docs
                 for clause in parsed.excluded]  # fmt: skip
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    # -- shaping results -----------------------------------------------------------

    def _highlight_terms(self, parsed: ParsedQuery, corrections: dict[str, str]) -> set[str]:
        terms: set[str] = set()
        for group in parsed.groups:
            for clause in group:
                text = corrections.get(clause.text, clause.text)
                if clause.kind == "prefix":  # the words searched for, not every expansion
                    terms.update(self._prefix_stems(text))
                    terms.add(stem(text))
                else:
                    terms.update(token.text for token in ANALYZER(text))
        return terms

    def _facets(self, order: np.ndarray) -> dict[str, list[dict]]:
        """The 20 most common events, speakers and sections among all matching talks."""
        facets = {}
        for name, (codes, values, alphabetical) in self._facet_codes().items():
            counts = np.bincount(codes[order], minlength=len(values))
            counts[0] = 0  # code 0: talks without a value
            present = np.flatnonzero(counts)
            top = present[np.lexsort((alphabetical[present], -counts[present]))[:20]]
            facets[name] = [{"value": values[code], "count": int(counts[code])} for code in top]
        return facets

    def _facet_codes(self) -> dict[str, tuple[np.ndarray, list[str], np.ndarray]]:
        """Per facet: each talk code's value code (0 = none), the values, their sort order."""
        if self._facet_cache is None:
            self._facet_cache = {}
            for name in ("event", "speaker", "section"):
                values: dict[str, int] = {"": 0}
                codes = []
                for talk_id in self.table.talk_ids:
                    record = self.talks.get(talk_id, {})
                    value = record.get(name) or ""
                    if name == "section":
                        value = " / ".join(value)
                    codes.append(values.setdefault(value, len(values)))
                names = list(values)
                alphabetical = np.empty(len(names), dtype=np.int64)
                alphabetical[np.argsort(np.array(names, dtype=str))] = np.arange(len(names))
                self._facet_cache[name] = (np.array(codes, dtype=np.int64), names, alphabetical)
        return self._facet_cache

    def _result(self, talk: RankedTalk, terms: set[str]) -> dict:
        record = self.talks[talk.talk_id]
        return {
            "talk": talk_summary(record),
            "score": round(talk.score, 4),
            "notes": [self._note(hit, record, terms) for hit in talk.notes[:NOTES_SHOWN]],
            "moments": [self._moment(window, record, terms) for window in talk.moments],
        }

    def _note(self, hit: Hit, record: dict, terms: set[str]) -> dict:
        fields = self.reader.stored_fields(hit.docnum)
        start = fields.get("start")
        aligned = start is not None and start >= 0
        return {
            "text": fields["text"],
            "html": mark(fields["text"], terms),
            "line": fields.get("line"),
            "start": start if aligned else None,
            "video_id": fields.get("video_id") or None if aligned else None,
            "url": moment_url(record, fields["video_id"], start) if aligned else None,
        }

    def _moment(self, window: list[Hit], record: dict, terms: set[str]) -> dict:
        stored = [self.reader.stored_fields(hit.docnum) for hit in _tightest(window)]
        text = excerpt(" ".join(fields["text"] for fields in stored), terms)
        start = min(fields["start"] for fields in stored)
        video_id = stored[0]["video_id"]
        return {
            "video_id": video_id,
            "start": start,
            "end": max(fields["end"] for fields in stored),
            "text": text,
            "html": mark(text, terms),
            "url": moment_url(record, video_id, start),
        }


def talk_summary(record: dict) -> dict:
    """The `talk` part of a result."""
    videos = record.get("videos", [])
    first = videos[0] if videos else None
    url = ""
    if first is not None:
        url = first["url"] if first["kind"] != "youtube" else watch_url(first["video_id"])
    return {
        "id": record["id"],
        "title": record["title"],
        "speaker": record.get("speaker", ""),
        "role": record.get("role", ""),
        "event": record.get("event", ""),
        "section": " / ".join(record.get("section", [])),
        "video_id": first["video_id"] if first else None,
        "url": url,
        "source": f"{record['source']}:{record['line']}",
    }


def _tightest(window: list[Hit]) -> list[Hit]:
    """The shortest run of a window's passages that still holds all of its groups.

    A window may open on a passage that only matched a common word; playing
    from there would start long before the moment.
    """
    ordered = sorted(window, key=lambda hit: hit.start)
    wanted = set().union(*(hit.groups for hit in ordered))
    best = ordered
    best_key = (ordered[-1].start - ordered[0].start, -sum(h.score for h in ordered))
    for first in range(len(ordered)):
        covered: set[int] = set()
        for last in range(first, len(ordered)):
            covered |= set(ordered[last].groups)
            if covered == wanted:
                span = ordered[first : last + 1]
                key = (span[-1].start - span[0].start, -sum(h.score for h in span))
                if key < best_key:
                    best, best_key = span, key
                break
    return best


def search(index_dir: Path, text: str, page: int = 1, per_page: int = PER_PAGE) -> dict:
    """One search on the current index generation (opens and closes it)."""
    with TalkIndex(index_dir) as index:
        return index.search(text, page=page, per_page=per_page)
