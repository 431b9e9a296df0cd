"""One open Whoosh generation answering plans: talks ranked with notes and moments.

Each plan group (alternatives joined by OR) is scored on its own over talk
records, notes and passages (see `scoring`); `ranking` then ranks talks over
arrays: a talk matches when every group matches somewhere in it, talks where
all groups fall inside one note or within about a minute of video rank first,
and that minute is the moment to play. If no talk has every group, the ranking
falls back to any group and says so. Only the talks of the requested page are
read back from stored fields.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.query import NullQuery, Or, Phrase, Query, Term

from indexer.core.analysis import spelling_words
from indexer.core.dates import talk_date
from indexer.engines.fusion import MIN_SIMILARITY, NEAREST, meaning_kinds
from indexer.engines.protocol import (
    FACETS,
    FIELD_WEIGHTS,
    SPELLING_FIELDS,
    VERBATIM_WORDS,
    Budget,
    FacetCount,
    Filter,
    Group,
    Kind,
    Match,
    Matches,
    Plan,
    TalkContent,
    TalkMatch,
    allowed_talks,
    field_kind,
)
from indexer.engines.records import (
    DATE_FILTERS,
    FACET_LEADERS,
    FACET_VALUES,
    NOTES_SHOWN,
    date_passes,
    doc_number,
    note_hit,
    passage_hit,
)
from indexer.engines.vocabulary import Vocabulary, record_vocabulary
from indexer.engines.whoosh.columns import segment_columns
from indexer.engines.whoosh.hybrid import HybridRanking
from indexer.engines.whoosh.postings import Postings, segment_folder
from indexer.engines.whoosh.ranking import KIND_CODES, DocTable, Hit, RankedTalk, Ranking, rank
from indexer.engines.whoosh.scoring import BulkScorer, Scores, common, union
from indexer.engines.whoosh.stored import StoredFields
from indexer.engines.whoosh.vectors import Vectors, read_info
from indexer.engines.whoosh.weighting import PeerLengthBM25F

#: Matching notes returned per talk, best first.
#: Facet values returned per facet, most common first.
#: Ranking costs about this many (document, group) cells per millisecond; a budgeted
#: search stops adding groups before ranking alone would spend the whole budget.
RANK_CELLS_PER_MS = 15_000
#: A document holding words typed side by side as they were typed (`Plan.together`):
#: its scores count this many times, so the moment saying them together comes first.
TOGETHER = 10.0
#: What a repeated passage's words count (`ingest.repeats`: a sponsor read says a query's
#: words in dozens of talks; the talks discussing them come first), unless it says a whole
#: run of `VERBATIM_WORDS` typed words.
REPEATED_WEIGHT = 0.2


#: Computes query similarities beside the thread scoring keywords (one per process: a
#: server worker answers on one core, and the product itself is memory-bound).
_SIMILARITY = ThreadPoolExecutor(max_workers=1, thread_name_prefix="talkseek-similarity")


def _similarity(vectors: Vectors, query: Future[np.ndarray]) -> np.ndarray:
    """Every document's similarity to the query, once its vector is embedded."""
    return vectors.similarity(np.asarray(query.result(), dtype=np.float32))


class OpenGeneration:
    """An open index generation: reuse it across searches, close it when done.

    Searches may run in several threads at once: the posting arrays are read-only,
    and every read through Whoosh (stored fields, documents, vocabularies) holds
    `lock`, since Whoosh's files are not safe to share between threads. A slow
    search therefore shares the process with the others instead of queueing them.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.RLock()
        self.index = whoosh_index.open_dir(str(folder))
        # Whoosh's own matchers (filters, unusual queries) score as the bulk scorer does
        weighting = PeerLengthBM25F(lambda fieldname: self.scorer.average_length(fieldname))
        self.searcher = self.index.searcher(weighting=weighting)
        self.reader = self.searcher.reader()
        self.postings = Postings(self.reader, folder, self.lock)
        self.scorer = BulkScorer(self.searcher, self.postings)
        self.stored = StoredFields(
            self.reader, self.postings.leaves,
            [segment_folder(folder, leaf) for leaf, _ in self.postings.leaves], self.lock,
        )  # fmt: skip
        self._talks: dict[str, dict] | None = None
        self._table: DocTable | None = None
        self._vocabularies: dict[str, Vocabulary] = {}
        self._facet_cache: dict[str, tuple[np.ndarray, list[str], np.ndarray]] | None = None
        self._with_record = np.zeros(0, dtype=bool)
        self._date_list: list[str | None] | None = None
        self.meaning = read_info(folder)
        self._vectors: Vectors | None = None

    def vectors(self) -> Vectors | None:
        """The documents' vectors, mapped on first use (None: the index has none)."""
        if self.meaning is None:
            return None
        if self._vectors is None:
            segments = [leaf.segment().segment_id() for leaf, _ in self.postings.leaves]
            with self.lock:
                self._vectors = Vectors(self.folder, segments, self.reader.doc_count_all())
        return self._vectors

    def close(self) -> None:
        self.searcher.close()
        self.stored.close()

    @property
    def talks(self) -> dict[str, dict]:
        """Every talk's stored record by id, loaded once per generation."""
        if self._talks is None:
            with self.lock:
                self._talks = {
                    fields["talk_id"]: fields["talk"]
                    for fields in self.searcher.documents(kind=Kind.TALK.value)
                }
        return self._talks

    @property
    def table(self) -> DocTable:
        """Per-document kind, talk, video and start, read from the columns once."""
        if self._table is None:
            with self.lock:
                self._load_table()
        assert self._table is not None
        return self._table

    def _load_table(self) -> None:
        if self._table is None:
            table = DocTable.from_segments([
                segment_columns(leaf, segment_folder(self.folder, leaf))
                for leaf, _ in self.postings.leaves])  # fmt: skip
            with_record = np.array([t in self.talks for t in table.talk_ids], bool)
            self._with_record, self._table = with_record, table

    def warm(self) -> None:
        """Load the talk records, the document table, the facet codes, the words typos
        and prefixes are looked up in, and the arrays of every field searched."""
        self._facet_codes()
        for field in SPELLING_FIELDS:
            self.vocabulary(field)
        self.postings.load(FIELD_WEIGHTS)
        for field in FIELD_WEIGHTS:
            self.scorer.average_length(field)

    # -- what the query side asks of the vocabulary -------------------------------------

    def document_frequency(self, field: str, term: str) -> int:
        return self.postings.document_frequency(field, term)

    def vocabulary(self, field: str) -> Vocabulary:
        """Unstemmed words of a field: for transcripts from the arrays, else read from the
        live documents."""
        with self.lock:
            return self._vocabulary(field)

    def _vocabulary(self, field: str) -> Vocabulary:
        if field not in self._vocabularies:
            if field == "transcript":
                vocabulary = Vocabulary(*self.postings.transcript_words())
            else:
                vocabulary = self._stored_words(field)
            self._vocabularies[field] = vocabulary
        return self._vocabularies[field]

    def _stored_words(self, field: str) -> Vocabulary:
        """A small field's words from its live documents (Whoosh's spelling terms keep
        those of documents an update deleted, with their counts)."""
        if field in ("title", "speaker"):
            return record_vocabulary(self.talks.values(), field)
        counts: Counter[str] = Counter()
        for fields in self.searcher.documents(kind=Kind.NOTE.value):
            counts.update(spelling_words(fields.get("text") or ""))
        words = sorted(counts)
        return Vocabulary(words, np.array([counts[w] for w in words], dtype=np.int64))

    # -- plans as Whoosh queries, scored in bulk ----------------------------------------

    @staticmethod
    def _query(match: Match, fields: tuple[str, ...]) -> Query:
        if not match.terms:
            return NullQuery
        if match.phrase:
            words = list(match.terms)
            return Or(
                [Phrase(name, words, slop=1, boost=FIELD_WEIGHTS[name] * match.boost)
                 for name in fields]
            )  # fmt: skip
        return Or(
            [Term(name, text, boost=FIELD_WEIGHTS[name] * match.boost)
             for name in fields for text in match.terms]
        )  # fmt: skip

    def _scores(
        self, group: Group, fields: tuple[str, ...], budget: Budget | None, whole: bool = False
    ) -> Scores:
        """Every document matching any alternative of a group, and its score.

        With a budget, alternatives are added while it lasts; `whole` searches the
        first alternative whatever the budget says, so an answer always has one.
        """
        parts: list[Scores] = []
        for match in group:
            if parts and budget is not None and budget.spent():
                break
            inner = None if whole and not parts else budget
            parts.append(self.scorer.run(self._query(match, fields), inner))
        return union(parts, self.reader.doc_count_all())

    def _allowed_talks(
        self, filters: tuple[Filter, ...], budget: Budget | None
    ) -> set[str] | None:
        return allowed_talks(filters, lambda condition: self._holding(condition, budget),
                             self.table.talk_ids)  # fmt: skip

    def _holding(self, condition: Filter, budget: Budget | None) -> set[str]:
        """The talks holding what a filter names (negated or not)."""
        if condition.field in DATE_FILTERS:
            return {talk_id for talk_id, date in zip(self.table.talk_ids, self._dates(),
                                                     strict=True)
                    if date is not None and date_passes(date, condition)}  # fmt: skip
        if condition.field == "video":
            with self.lock:
                found = list(self.searcher.documents(video_id=condition.value))
            return {fields["talk_id"] for fields in found}
        if condition.talks is not None:
            return set(condition.talks)
        if condition.match is None:
            return set()
        query = self._query(condition.match, (condition.field,))
        docs = self.scorer.run(query, budget).docs
        return {self.table.talk_ids[code] for code in set(self.table.talk[docs].tolist())}

    def _talk_mask(self, talk_ids: set[str]) -> np.ndarray:
        return np.array([t in talk_ids for t in self.table.talk_ids], dtype=bool)

    def _rank(self, plan: Plan, budget: Budget | None) -> Ranking | HybridRanking:
        """Groups are scored in turn; once the budget is spent, the groups left are not
        searched (the talks ranked then match fewer words: the answer is partial)."""
        table = self.table
        if plan.is_empty:
            return Ranking(np.zeros(0, dtype=np.int64), False)
        allowed = self._allowed_talks(plan.filters, budget)
        if not plan.groups:  # filters alone: list the talks they select
            codes = np.flatnonzero(self._talk_mask(allowed or set()) & self._with_record)
            return Ranking(codes[::-1], False)
        allowed_mask = self._with_record.copy()
        if allowed is not None:
            allowed_mask &= self._talk_mask(allowed)
        excluded = self._excluded_docs(plan.excluded, budget)
        excluded_talks = np.zeros(len(table.talk_ids), dtype=bool)
        if len(excluded):
            records = excluded[table.kind[excluded] == KIND_CODES[Kind.TALK]]
            excluded_talks[table.talk[records]] = True
        vectors = self.vectors() if plan.by_meaning else None
        # the product of every vector with the query's releases the GIL: it runs while
        # the keywords are scored
        similar = (_SIMILARITY.submit(_similarity, vectors, plan.vector)
                   if vectors is not None and plan.vector is not None else None)  # fmt: skip
        groups: list[Scores] = []
        if plan.mode != "meaning" or vectors is None:
            groups = self._group_scores(plan, excluded, budget)
        keyword = rank(table, groups, allowed_mask, excluded_talks) if groups else Ranking(
            np.zeros(0, dtype=np.int64), False)  # fmt: skip
        if similar is None:
            return keyword
        allowed_mask &= ~excluded_talks
        for group in plan.phrase_groups:  # a talk must hold each phrase
            docs = self._scores(group, plan.fields, budget, whole=True).docs
            holding = np.zeros(len(table.talk_ids), dtype=bool)
            holding[table.talk[docs]] = True
            allowed_mask &= holding
        similarity = similar.result()
        nearest = self._nearest(similarity, plan, allowed_mask, excluded)
        return HybridRanking(table, keyword, nearest, similarity)

    def _group_scores(self, plan: Plan, excluded: np.ndarray, budget: Budget | None
                      ) -> list[Scores]:  # fmt: skip
        groups: list[Scores] = []
        hit = np.zeros(self.reader.doc_count_all(), dtype=bool)
        for group in plan.groups:
            if groups and budget is not None and budget.spent():
                break
            scores = self._scores(group, plan.fields, budget, whole=not groups)
            hit[scores.docs] = True
            cells = int(np.count_nonzero(hit)) * (len(groups) + 1)
            if groups and budget is not None and _too_costly(cells, budget):
                break
            if len(excluded):
                keep = ~np.isin(scores.docs, excluded)
                scores = Scores(scores.docs[keep], scores.scores[keep])
            groups.append(scores)
        verbatim = np.zeros(0, dtype=np.int64)
        if plan.together and not (budget is not None and budget.spent()):
            groups, verbatim = self._said_together(plan, groups, budget)
        return self._repeated_lowered(groups, verbatim)

    def _repeated_lowered(self, groups: list[Scores], verbatim: np.ndarray) -> list[Scores]:
        """Each group's scores of repeated passages times `REPEATED_WEIGHT`, but for the
        `verbatim` documents (saying a long run as typed)."""
        repeated = self.table.repeated
        if repeated is None or not repeated.any():
            return groups
        lowered = []
        for group in groups:
            low = repeated[group.docs]
            if len(verbatim):
                low &= ~np.isin(group.docs, verbatim)
            if low.any():
                group = Scores(group.docs, np.where(low, group.scores * REPEATED_WEIGHT,
                                                    group.scores))  # fmt: skip
            lowered.append(group)
        return lowered

    def _said_together(self, plan: Plan, groups: list[Scores], budget: Budget | None
                       ) -> tuple[list[Scores], np.ndarray]:  # fmt: skip
        """Each group's scores raised where words typed side by side stand as typed: a
        whole run `TOGETHER` times, pairs of it (`Plan.pairs`) by their share of that, as
        a power. Only documents holding every group can, so only they are checked; a
        talk's record is raised by whole runs only (a title holding "way to" says nothing
        of the moment a run was said). Also the documents saying a whole run of
        `VERBATIM_WORDS` or more."""
        holding = groups[0].docs
        for group in groups[1:]:
            holding = common(holding, group.docs)
        kinds = self.table.kind[holding]
        matches = [*plan.together, *plan.pairs]
        held = np.zeros((len(matches), len(holding)), dtype=bool)  # by any field
        for name in plan.fields:
            kind = field_kind(name)
            candidates = np.flatnonzero(kinds == KIND_CODES[kind])
            checked = len(plan.together) if kind == Kind.TALK else len(matches)
            if not len(candidates):
                continue
            phrases = [list(match.terms) for match in matches[:checked]]
            said = self.scorer.phrases_within(name, phrases, holding[candidates], budget)
            for number, found in enumerate(said):
                held[number, np.searchsorted(holding, found)] = True
        long = [len(match.terms) >= VERBATIM_WORDS for match in plan.together]
        verbatim = holding[held[: len(long)][long].any(axis=0)] if any(long) else holding[:0]
        worth = np.array([match.boost for match in matches]) @ held
        if not worth.any():
            return groups, verbatim
        raised = []
        for group in groups:
            at = np.minimum(np.searchsorted(holding, group.docs), len(holding) - 1)
            factor = np.where(holding[at] == group.docs, TOGETHER ** np.minimum(worth[at], 1.0),
                              1.0)  # fmt: skip
            raised.append(Scores(group.docs, group.scores * factor))
        return raised, verbatim

    def _nearest(self, similarity: np.ndarray, plan: Plan, allowed_talks: np.ndarray,
                 excluded: np.ndarray) -> np.ndarray:  # fmt: skip
        """The documents nearest the query's vector (best first) among those the plan
        allows, given every document's similarity to it."""
        table = self.table
        usable = self.postings.live & (table.talk >= 0)
        usable &= allowed_talks[np.maximum(table.talk, 0)]
        kinds = [KIND_CODES[kind] for kind in meaning_kinds(plan.fields)]
        usable &= np.isin(table.kind, kinds)
        usable[excluded] = False
        usable &= similarity >= MIN_SIMILARITY
        candidates = np.flatnonzero(usable)
        if len(candidates) > NEAREST:
            top = np.argpartition(-similarity[candidates], NEAREST)[:NEAREST]
            candidates = candidates[top]
        order = np.lexsort((candidates, -similarity[candidates]))
        return candidates[order]

    def _excluded_docs(self, excluded: tuple[Group, ...], budget: Budget | None) -> np.ndarray:
        everywhere = tuple(FIELD_WEIGHTS)
        found = [self._scores(group, everywhere, budget).docs for group in excluded]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    def search(self, plan: Plan, first: int, last: int, budget: Budget | None = None) -> Matches:
        ranking = self._rank(plan, budget)
        if plan.sort == "date":
            ranking.order = self._by_date(ranking.order)
        shown = ranking.talks(self.table, first, last)
        return Matches(
            total=len(ranking.order),
            talks=[self._talk_match(talk) for talk in shown],
            fallback=ranking.fallback,
            facets=self._facets(ranking.order),
            partial=budget is not None and budget.exceeded,
        )

    # -- reading back what is shown -------------------------------------------------------

    def _talk_match(self, talk: RankedTalk) -> TalkMatch:
        stored = self.stored
        notes = [note_hit(stored(hit.docnum), hit.found_by)
                 for hit in talk.notes[:NOTES_SHOWN]]  # fmt: skip
        repeated = self.table.repeated
        moments = [[passage_hit(stored(hit.docnum), hit.found_by,
                                repeated is not None and bool(repeated[hit.docnum]))
                    for hit in _tightest(window)] for window in talk.moments]  # fmt: skip
        return TalkMatch(talk.talk_id, self.talks[talk.talk_id], talk.score, notes, moments)

    def talk(self, talk_id: str) -> TalkContent | None:
        record = self.talks.get(talk_id)
        if record is None:
            return None
        notes, passages = [], []
        with self.lock:
            found = list(self.searcher.documents(talk_id=talk_id))
        for fields in found:
            if fields.get("kind") == Kind.NOTE:
                notes.append(fields)
            elif fields.get("kind") == Kind.PASSAGE:
                passages.append(fields)
        notes.sort(key=lambda fields: doc_number(fields["doc_id"]))
        passages.sort(key=lambda fields: doc_number(fields["doc_id"]))
        return TalkContent(record, [note_hit(f) for f in notes], [passage_hit(f) for f in passages])

    # -- dates ----------------------------------------------------------------------------

    def _dates(self) -> list[str | None]:
        """Each talk code's date (`indexer.core.dates`), read from the records once."""
        if self._date_list is None:
            self._date_list = [talk_date(self.talks.get(talk_id, {}))
                               for talk_id in self.table.talk_ids]  # fmt: skip
        return self._date_list

    def _by_date(self, order: np.ndarray) -> np.ndarray:
        """Talk codes newest first (a year counts as its start), undated last; ties keep
        their relevance order."""
        dates = self._dates()
        keys = np.array([-int((dates[code] or "0").replace("-", "").ljust(8, "0"))
                         for code in order.tolist()], dtype=np.int64)  # fmt: skip
        return order[np.argsort(keys, kind="stable")]

    # -- facets ---------------------------------------------------------------------------

    def live_passages(self) -> int:
        """Passages indexed, without those an update deleted (Whoosh's own counts keep
        them until their segment is merged away)."""
        passages = self.table.kind == KIND_CODES[Kind.PASSAGE]
        return int(np.count_nonzero(passages & self.postings.live))

    def overview(self) -> dict[str, list[FacetCount]]:
        """Facet counts over every talk with a record."""
        self.table  # noqa: B018 - loads the talk records and which talks have one
        return self._facets(np.flatnonzero(self._with_record), ranked=False)

    def _facets(self, order: np.ndarray, ranked: bool = True) -> dict[str, list[FacetCount]]:
        """The most common events, speakers and sections among all matching talks; values
        as common as each other come as the first results do (`ranked`), then
        alphabetically."""
        facets = {}
        for name, (codes, values, alphabetical) in self._facet_codes().items():
            counts = np.bincount(codes[order], minlength=len(values))
            counts[0] = 0  # code 0: talks without a value
            present = np.flatnonzero(counts)
            place = np.full(len(values), FACET_LEADERS, dtype=np.int64)
            if ranked:  # each value's first place among the leading results
                seen, first = np.unique(codes[order[:FACET_LEADERS]], return_index=True)
                place[seen] = first
            by = np.lexsort((alphabetical[present], place[present], -counts[present]))
            top = present[by[:FACET_VALUES]]
            facets[name] = [FacetCount(values[code], int(counts[code])) for code in top]
        return facets

    def _facet_codes(self) -> dict[str, tuple[np.ndarray, list[str], np.ndarray]]:
        """Per facet: each talk code's value code (0 = none), the values, their sort order."""
        with self.lock:
            return self._load_facet_codes()

    def _load_facet_codes(self) -> dict[str, tuple[np.ndarray, list[str], np.ndarray]]:
        if self._facet_cache is None:
            self._facet_cache = {}
            for name in FACETS:
                values: dict[str, int] = {"": 0}
                codes = []
                for talk_id in self.table.talk_ids:
                    record = self.talks.get(talk_id, {})
                    if name == "year":
                        value = (talk_date(record) or "")[:4]
                    else:
                        value = record.get(name) or ""
                    if name == "section":
                        value = " / ".join(value)
                    codes.append(values.setdefault(value, len(values)))
                names = list(values)
                alphabetical = np.empty(len(names), dtype=np.int64)
                alphabetical[np.argsort(np.array(names, dtype=str))] = np.arange(len(names))
                self._facet_cache[name] = (np.array(codes, dtype=np.int64), names, alphabetical)
        return self._facet_cache


def _too_costly(cells: int, budget: Budget) -> bool:
    """True (and the budget marked spent) when ranking this many (document, group)
    cells would take longer than the whole budget."""
    if cells > RANK_CELLS_PER_MS * budget.seconds * 1000:
        budget.exceeded = True
    return budget.exceeded


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
