"""Query plans as Typesense requests, and their answers as `Matches`.

Typesense's query string has no OR, so which talks match is decided with filters,
which have it: a plain group is a token filter over the plan's fields (any of its
terms), a phrase a quoted query, and a talk matches when every group matched one
of its documents (a facet count of talk ids per group). Excluded words are a filter
on each document's `terms` array. Ranking is then Typesense's own: one query of the
groups' words, documents grouped by talk, best first. The page's talks get their
best documents in one more request: their notes, and their passages gathered into
moments a minute long.

Every request goes through multi-search, a POST: a filter listing thousands of talk
ids does not fit in a URL.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, NamedTuple, cast

import numpy as np
import typesense
from typesense import exceptions

from indexer.core.analysis import terms
from indexer.core.dates import talk_date
from indexer.core.settings import TypesenseSettings
from indexer.engines.fusion import (
    FEW,
    MIN_SIMILARITY,
    NAMED,
    NEAREST,
    PINNED,
    SCATTERED,
    fuse,
    meaning_kinds,
    talk_scores,
)
from indexer.engines.protocol import (
    FIELD_WEIGHTS,
    VERBATIM_WORDS,
    Budget,
    EngineUnavailable,
    Filter,
    Group,
    IndexMissing,
    Kind,
    Match,
    Matches,
    NoteHit,
    PassageHit,
    Plan,
    TalkMatch,
    allowed_talks,
)
from indexer.engines.records import (
    DATE_FILTERS,
    NOTES_SHOWN,
    count_facets,
    date_order_key,
    date_passes,
    note_hit,
    passage_hit,
    record_fields,
)
from indexer.engines.typesense import schema
from indexer.engines.typesense.client import read_published

#: Typesense weighs fields with whole numbers; twice talkseek's weights keeps their ratios.
WEIGHTS = {field: max(1, round(weight * 2)) for field, weight in FIELD_WEIGHTS.items()}
PAGE = 250  # the most groups (talks) Typesense returns per page
DETAIL_HITS = 20  # documents read per talk shown: its best notes and passages
#: Requests at most for the talks shown that hold only a later choice of a group (`a OR b`).
MAX_CHOICES = 8
MOMENTS = 3
WINDOW_SECONDS = 60.0
#: Documents with every word wanted per talk shown before Typesense also ranks documents
#: with only some (dropping words costs a search each; talks it does not reach come last)
DROP_TOKENS_PER_TALK = 3
FACET_LIMIT = 1_000_000
#: Talks whose best documents the keyword side of a hybrid search lists (one request).
HYBRID_TALKS = 50
_SAFE_VALUE = re.compile(r"[A-Za-z0-9_-]{1,120}")
SHOWN_FIELDS = "id,kind,talk_id,video_id,start,end,text,line,repeated"
PHRASE_EXCLUSION = ("On Typesense, an excluded phrase leaves out the talks whose title, speaker "
                    "or description has it; notes and moments with it may still show.")


#: The keyword side's answer: talks in order, the hits of the first, whether only some groups
#: matched, and the groups searched (None: one request answered everything).
_Keyword = tuple[list[str], dict[str, list[dict]], bool, list[Group] | None]


def _found(answer: dict) -> list[dict]:
    """A multi-search's results; ObjectNotFound when the node lacks the collection."""
    results: list[dict] = answer["results"]
    if any(result.get("code") == 404 for result in results):
        raise exceptions.ObjectNotFound("the collection is not on this node")
    return results


class Searcher:
    """One search's view of one collection (cheap to make; holds no state of its own)."""

    #: Answer a one-word or one-phrase query with one request (tests compare both ways).
    one_request = True

    def __init__(self, client: typesense.Client, settings: TypesenseSettings, collection: str,
                 talks: dict[str, dict]) -> None:  # fmt: skip
        self.client = client
        self.settings = settings
        self.collection = collection
        self.talks = talks

    # -- requests ---------------------------------------------------------------------

    def _run(self, searches: list[dict]) -> list[dict]:
        for search in searches:
            search["collection"] = self.collection
        try:
            results = read_published(self.settings, self.client, lambda node: _found(
                node.multi_search.perform(cast(Any, {"searches": searches}), {})))  # fmt: skip
        except exceptions.ObjectNotFound as missing:
            raise IndexMissing("the Typesense index was replaced; search again") from missing
        for result in results:
            if "error" in result:
                raise EngineUnavailable(f"Typesense refused a search: {result['error']}")
        return results

    def _talks_found(self, q: str, filter_by: str, query_by: str = "") -> set[str]:
        [found] = self._talks_of([_talks_search(q, filter_by, query_by)])
        return found

    def _talks_of(self, searches: list[dict]) -> list[set[str]]:
        """The talks each facet search found, all in one request."""
        if not searches:
            return []
        return [{count["value"] for facet in result.get("facet_counts", [])
                 for count in facet["counts"]} for result in self._run(searches)]  # fmt: skip

    def document_frequencies(self, term: str, fields: tuple[str, ...]) -> dict[str, int]:
        """How many documents hold an analysed term, per field (one request)."""
        if not _SAFE_TERM.fullmatch(term):
            return dict.fromkeys(fields, 0)
        results = self._run([{"q": "*", "filter_by": f"{field}:[{term}]", "per_page": 0}
                             for field in fields])  # fmt: skip
        return {field: int(result["found"]) for field, result in zip(fields, results, strict=True)}

    # -- which talks match -------------------------------------------------------------

    def _allowed(self, filters: tuple[Filter, ...]) -> set[str] | None:
        return allowed_talks(filters, self._holding, self.talks)

    def _holding(self, condition: Filter) -> set[str]:
        """The talks holding what a filter names (negated or not)."""
        if condition.field in DATE_FILTERS:
            return {talk_id for talk_id, record in self.talks.items()
                    if (date := talk_date(record)) and date_passes(date, condition)}  # fmt: skip
        if condition.field == "video":
            return (self._talks_found("*", f"video_id:={condition.value}")
                    if _SAFE_VALUE.fullmatch(condition.value) else set())  # fmt: skip
        if condition.talks is not None:
            return set(condition.talks)
        if condition.match is None:
            return set()
        return self._group_talks((condition.match,), (condition.field,),
                                 f"kind:={Kind.TALK.value}")  # fmt: skip

    def _group_talks(self, group: Group, fields: tuple[str, ...], doc_filter: str) -> set[str]:
        """Talks with a document matching any alternative of a group over `fields`."""
        [found] = self._groups_talks([group], fields, doc_filter)
        return found

    def _groups_talks(self, groups: list[Group], fields: tuple[str, ...],
                      doc_filter: str) -> list[set[str]]:  # fmt: skip
        """For each group, the talks with a document matching any of its alternatives over
        `fields`: the facet searches of every group in one request."""
        searches: list[dict] = []
        owners: list[int] = []
        for number, group in enumerate(groups):
            words = _words(group)
            if words:
                searches.append(_talks_search("*", _join(_any_word(words, fields), doc_filter)))
                owners.append(number)
            for match in group:
                if match.phrase and match.terms:
                    searches.append(_talks_search(_phrase(match), doc_filter, ",".join(fields)))
                    owners.append(number)
        found: list[set[str]] = [set() for _ in groups]
        for number, talks in zip(owners, self._talks_of(searches), strict=True):
            found[number] |= talks
        return found

    def _exclusions(self, excluded: tuple[Group, ...]) -> tuple[str, set[str]]:
        """A filter keeping documents without an excluded word, and the talks whose own
        record has an excluded word or phrase (they are dropped whole)."""
        everywhere = tuple(FIELD_WEIGHTS)
        words = sorted({term for group in excluded for term in _words(group)})
        doc_filter = f"terms:!=[{','.join(words)}]" if words else ""
        found = self._groups_talks(list(excluded), everywhere, f"kind:={Kind.TALK.value}")
        return doc_filter, set().union(*found)

    # -- the search ------------------------------------------------------------------------

    def search(self, plan: Plan, first: int, last: int, budget: Budget | None) -> Matches:
        if plan.is_empty:
            return Matches(0, [])
        allowed = self._allowed(plan.filters)
        known = set(self.talks)
        if not plan.groups:
            order = sorted((allowed if allowed is not None else set()) & known, reverse=True)
            order = self._sorted(order, plan.sort)
            shown = [TalkMatch(t, self.talks[t], 0.0) for t in order[first:last]]
            return Matches(len(order), shown, facets=self._facets(order))
        doc_filter, excluded_talks = self._exclusions(plan.excluded)
        wanted = known - excluded_talks
        if allowed is not None:
            wanted &= allowed
        if plan.by_meaning:
            return self._hybrid(plan, wanted, doc_filter, first, last, budget)
        order, hits, fallback, groups = self._keyword(plan, wanted, doc_filter, last, budget)
        together = self._said_together(plan, [] if fallback else order, doc_filter)
        order = _holders_first(order, together)
        if groups is not None:  # (the one-request path read what its page shows)
            order = self._sorted(order, plan.sort)
            page = order[first:last]
            if not all(talk_id in hits for talk_id in page):
                hits = self._best_documents(plan, groups, page, doc_filter)
            missing = [talk_id for talk_id in page if talk_id not in hits]
            hits.update(self._other_choices(plan, groups, missing, doc_filter))
        return self._answer(plan, order, _held_first(hits, together), first, last, fallback,
                            budget)  # fmt: skip

    def _keyword(self, plan: Plan, wanted: set[str], doc_filter: str, last: int,
                 budget: Budget | None) -> _Keyword:  # fmt: skip
        """Talks matching the plan's groups in Typesense's order, the hits of those up to
        `last`, whether only some groups matched, and the groups searched (None: one
        request answered it all)."""
        if self.one_request and _one_clause(plan.groups) and plan.sort != "date" and last <= PAGE:
            order, hits = self._one_clause(plan, doc_filter, wanted, last)
            return order, hits, False, None
        # The first group alone, then (while the budget lasts) the others in one request.
        groups = list(plan.groups[:1])
        if len(plan.groups) > 1 and not (budget is not None and budget.spent()):
            groups = list(plan.groups)
        found = [talks & wanted for talks in self._groups_talks(groups, plan.fields, doc_filter)]
        if len(groups) < len(plan.groups) and budget is not None:
            budget.exceeded = True
        candidates = set.intersection(*found)
        fallback = not candidates and len(found) > 1
        if fallback:
            candidates = set.union(*found)
        order, hits = self._ranked(plan, groups, candidates, doc_filter, last)
        return order, hits, fallback, groups

    def _said_together(self, plan: Plan, order: list[str], doc_filter: str) -> _Together:
        """Of the talks in `order`, those holding words typed side by side as they were
        typed (`Plan.together`) or some of their pairs (`Plan.pairs`, in documents holding
        every group, not in talk records), with the documents holding them, each worth
        what it holds: one request.

        Typesense's own ranking favours words close together but only among the words it
        is asked for, and stop words are not: "series a" would rank as "series". A
        repeated passage (a sponsor read) counts only for a whole run of
        `VERBATIM_WORDS` words."""
        if not plan.together or not order:
            return _Together({}, {})
        matches = [*plan.together, *plan.pairs]
        searches = []
        for match in matches:
            groups: list[Group] = [(match,)]
            kept = doc_filter
            if match in plan.pairs:
                groups += list(plan.groups)
                kept = _join(doc_filter, f"kind:!={Kind.TALK.value}")
            if match in plan.pairs or len(match.terms) < VERBATIM_WORDS:
                kept = _join(kept, "repeated:=0")  # a read said word for word is sought
            searches.append({**self._ranking(plan, groups, kept, order, len(self.talks), PAGE),
                             "group_limit": DETAIL_HITS, "per_page": PAGE,
                             "drop_tokens_threshold": 0, "include_fields": SHOWN_FIELDS})
        worth: dict[str, float] = {}
        found: dict[str, dict[str, dict]] = {}
        for match, result in zip(matches, self._run(searches), strict=True):
            for group in result.get("grouped_hits", []):
                held = found.setdefault(group["group_key"][0], {})
                for hit in group["hits"]:
                    key = hit["document"]["id"]
                    held.setdefault(key, hit)
                    worth[key] = worth.get(key, 0.0) + match.boost
        hits = {talk_id: sorted(held.values(), key=lambda hit: -worth[hit["document"]["id"]])
                for talk_id, held in found.items()}  # fmt: skip
        return _Together({talk_id: min(1.0, worth[held[0]["document"]["id"]])
                          for talk_id, held in hits.items()}, hits)  # fmt: skip

    # -- by meaning ------------------------------------------------------------------------

    def _hybrid(self, plan: Plan, wanted: set[str], doc_filter: str, first: int, last: int,
                budget: Budget | None) -> Matches:  # fmt: skip
        """The keyword ranking's documents and the nearest ones fused (`engines.fusion`):
        talks by their fused documents, then keyword talks no list reached."""
        keyword_order: list[str] = []
        hits: dict[str, list[dict]] = {}
        fallback = False
        if plan.mode == "hybrid":
            keyword_plan = replace(plan, sort="relevance")
            keyword_order, hits, fallback, groups = self._keyword(
                keyword_plan, wanted, doc_filter, HYBRID_TALKS, budget)
            if groups is not None:
                missing = [talk_id for talk_id in keyword_order[:HYBRID_TALKS]
                           if talk_id not in hits]  # fmt: skip
                hits.update(self._other_choices(plan, groups, missing, doc_filter))
            together = self._said_together(plan, [] if fallback else keyword_order, doc_filter)
            keyword_order = _holders_first(keyword_order, together)
            hits = _held_first(hits, together)
        near = set(wanted)
        for group in plan.phrase_groups:  # a talk must hold each phrase
            near &= self._group_talks(group, plan.fields, doc_filter)
        nearest = self._nearest(plan, doc_filter, near)
        named = [t for t in keyword_order if t in hits
                 and _names(plan.groups, plan.fields, self.talks[t])]  # fmt: skip
        records = [{"document": {"id": f"{Kind.TALK}:{t}", "kind": Kind.TALK.value,
                                 "talk_id": t}} for t in named]  # fmt: skip
        named_ids = {record["document"]["id"] for record in records}
        keyword_hits = records + _round_robin([hits.get(t, []) for t in keyword_order])
        pinned = {t for t in keyword_order if t in hits and _pinned(plan.groups, hits[t])}
        pinned.update(named)
        if not fallback and len(keyword_order) <= FEW:  # the only talk with every group
            pinned.update(keyword_order)
        documents: dict[str, dict] = {}
        for hit in (*keyword_hits, *nearest):
            documents.setdefault(hit["document"]["id"], hit["document"])
        ids = list(documents)
        code = {doc_id: number for number, doc_id in enumerate(ids)}
        keyword_codes = list(dict.fromkeys(code[h["document"]["id"]] for h in keyword_hits))
        weights = np.array([NAMED if ids[c] in named_ids else PINNED
                            if documents[ids[c]]["talk_id"] in pinned else SCATTERED
                            for c in keyword_codes])  # fmt: skip
        fused = fuse(np.array(keyword_codes, dtype=np.int64),
                     np.array([code[h["document"]["id"]] for h in nearest], dtype=np.int64),
                     keyword_weights=weights)  # fmt: skip
        talk_ids = sorted({documents[doc_id]["talk_id"] for doc_id in ids})
        talk_code = {talk_id: number for number, talk_id in enumerate(talk_ids)}
        talks_of = np.array([talk_code[documents[doc_id]["talk_id"]] for doc_id in ids],
                            dtype=np.int64)[fused.docs]  # fmt: skip
        scores = talk_scores(talks_of, fused.scores, len(talk_ids))
        ranked = sorted(set(talks_of.tolist()), key=lambda c: (-scores[c], talk_ids[c]))
        order = [talk_ids[c] for c in ranked]
        reached = set(order)
        order = self._sorted(order + [t for t in keyword_order if t not in reached], plan.sort)
        shown = []
        for talk_id in order[first:last]:
            mine = [p for p in range(len(fused.docs)) if talks_of[p] == talk_code.get(talk_id)]
            talk_hits = [{"document": documents[ids[fused.docs[p]]]} for p in mine]
            found_by = {ids[fused.docs[p]]: fused.found_by(p) for p in mine}
            shown.append(_talk_match(talk_id, self.talks[talk_id], talk_hits, found_by,
                                     float(scores[talk_code[talk_id]]) if mine else 0.0))
        notices = [PHRASE_EXCLUSION] if any(m.phrase for g in plan.excluded for m in g) else []
        return Matches(total=len(order), talks=shown, fallback=fallback and not nearest,
                       facets=self._facets(order),
                       partial=budget is not None and budget.exceeded, notices=notices)

    def _nearest(self, plan: Plan, doc_filter: str, talks: set[str]) -> list[dict]:
        """The documents nearest the query's vector, nearest first, among `talks`."""
        if not talks:
            return []
        assert plan.vector is not None
        vector = ",".join(f"{float(x):.6f}" for x in plan.vector.result())
        talk_filter = (f"talk_id:[{','.join(sorted(talks))}]" if len(talks) < len(self.talks)
                       else "")  # fmt: skip
        kinds = f"kind:[{','.join(kind.value for kind in meaning_kinds(plan.fields))}]"
        [result] = self._run([{
            "q": "*", "vector_query": f"{schema.VECTOR}:([{vector}], k:{NEAREST})",
            "filter_by": _join(doc_filter, talk_filter, kinds), "per_page": NEAREST,
            "include_fields": SHOWN_FIELDS,
        }])  # fmt: skip
        return [hit for hit in result.get("hits", [])
                if 1.0 - float(hit.get("vector_distance", 2.0)) >= MIN_SIMILARITY]  # fmt: skip

    def _answer(self, plan: Plan, order: list[str], hits: dict[str, list[dict]], first: int,
                last: int, fallback: bool, budget: Budget | None) -> Matches:  # fmt: skip
        shown = [_talk_match(talk_id, self.talks[talk_id], hits.get(talk_id, []))
                 for talk_id in order[first:last]]  # fmt: skip
        notices = [PHRASE_EXCLUSION] if any(m.phrase for g in plan.excluded for m in g) else []
        return Matches(total=len(order), talks=shown, fallback=fallback,
                       facets=self._facets(order),
                       partial=budget is not None and budget.exceeded,
                       notices=notices)  # fmt: skip

    def _one_clause(self, plan: Plan, doc_filter: str, wanted: set[str],
                    last: int) -> tuple[list[str], dict[str, list[dict]]]:  # fmt: skip
        """A query of one word or one phrase in one request: its talks counted, ranked and
        their best documents read by one search (the general way takes two)."""
        groups = list(plan.groups)
        search = self._ranking(plan, groups, doc_filter, sorted(wanted), len(self.talks), last)
        [result] = self._run([{**search, "facet_by": "talk_id", "max_facet_values": FACET_LIMIT,
                               "group_limit": DETAIL_HITS, "per_page": last,
                               "include_fields": SHOWN_FIELDS}])  # fmt: skip
        candidates = {count["value"] for facet in result.get("facet_counts", [])
                      for count in facet["counts"]} & wanted  # fmt: skip
        order: list[str] = []
        hits: dict[str, list[dict]] = {}
        for group in result.get("grouped_hits", []):
            talk_id = group["group_key"][0]
            if talk_id in candidates:
                order.append(talk_id)
                hits[talk_id] = group["hits"]
        seen = set(order)
        return order + sorted(candidates - seen), hits

    def _facets(self, order: list[str]) -> dict:
        return count_facets((self.talks[talk_id] for talk_id in order), ranked=True)

    def _sorted(self, order: list[str], sort: str) -> list[str]:
        if sort != "date":
            return order
        return sorted(order, key=lambda talk_id: date_order_key(self.talks[talk_id]))

    def _ranking(self, plan: Plan, groups: list[Group], doc_filter: str, talks: list[str],
                 known: int, shown: int) -> dict:  # fmt: skip
        """The ranking request: the groups' words (and names as typed) over the plan's
        fields, grouped by talk; a passage said in many talks (a sponsor read) after every
        other document, so a talk found only by one comes after those that say the words
        themselves, and a talk's own moment before its sponsor read."""
        words = [_phrase(group[0]) if group[0].phrase else " ".join(group[0].terms)
                 for group in groups if group and group[0].terms]  # fmt: skip
        # a speaker's name as typed goes last: Typesense ranks the documents holding it
        # with the stem first, then drops it to rank the stem's other bearers
        words += [term for group in groups for match in group[1:] if match.name
                  for term in match.terms if _SAFE_TERM.fullmatch(term)]  # fmt: skip
        talk_filter = f"talk_id:[{','.join(talks)}]" if len(talks) < known else ""
        return {
            "q": " ".join(words) or "*",
            "query_by": ",".join(plan.fields),
            "query_by_weights": ",".join(str(WEIGHTS[field]) for field in plan.fields),
            "filter_by": _join(doc_filter, talk_filter),
            "group_by": "talk_id",
            "sort_by": "repeated:asc,_text_match:desc",
            "drop_tokens_threshold": DROP_TOKENS_PER_TALK * shown,
            **_exact(),
        }

    def _ranked(self, plan: Plan, groups: list[Group], candidates: set[str], doc_filter: str,
                last: int) -> tuple[list[str], dict[str, list[dict]]]:  # fmt: skip
        """Every candidate talk, in Typesense's order as far as a page needs it, then the
        rest (talks whose documents Typesense's ranking query did not reach) by id; and,
        when one request could carry them, the best documents of the talks up to `last`."""
        if not candidates:
            return [], {}
        search = self._ranking(plan, groups, doc_filter, sorted(candidates), len(self.talks),
                               min(last, PAGE))  # fmt: skip
        order: list[str] = []
        hits: dict[str, list[dict]] = {}
        if last <= PAGE:  # one request: the order and what the page shows
            [result] = self._run([{**search, "group_limit": DETAIL_HITS, "per_page": last,
                                   "include_fields": SHOWN_FIELDS}])  # fmt: skip
            for group in result.get("grouped_hits", []):
                talk_id = group["group_key"][0]
                if talk_id in candidates:
                    order.append(talk_id)
                    hits[talk_id] = group["hits"]
        else:
            page = 1
            while len(order) < min(last, len(candidates)):
                [result] = self._run([{**search, "group_limit": 1, "include_fields": "talk_id",
                                       "per_page": PAGE, "page": page}])  # fmt: skip
                ranked = [group["group_key"][0] for group in result.get("grouped_hits", [])]
                order += [talk_id for talk_id in ranked if talk_id in candidates]
                if len(ranked) < PAGE:
                    break
                page += 1
        seen = set(order)
        return order + sorted(candidates - seen), hits

    def _best_documents(self, plan: Plan, groups: list[Group], page: list[str],
                        doc_filter: str) -> dict[str, list[dict]]:  # fmt: skip
        """The best documents of each talk of a page (by talk id)."""
        if not page:
            return {}
        search = self._ranking(plan, groups, doc_filter, page, len(self.talks) + 1, len(page))
        [result] = self._run([{**search, "group_limit": DETAIL_HITS, "per_page": len(page),
                               "include_fields": SHOWN_FIELDS}])  # fmt: skip
        return {group["group_key"][0]: group["hits"] for group in result.get("grouped_hits", [])}


    def _other_choices(self, plan: Plan, groups: list[Group], talks: list[str],
                       doc_filter: str) -> dict[str, list[dict]]:  # fmt: skip
        """The best documents of talks that hold a group's other choice (`a OR b`) and not
        the first, which is all a ranking request asks for: one request per choice."""
        if not talks:
            return {}
        searches = [
            {**self._ranking(plan, [*groups[:number], (choice,), *groups[number + 1 :]],
                             doc_filter, talks, len(self.talks) + 1, len(talks)),
             "group_limit": DETAIL_HITS, "per_page": len(talks), "include_fields": SHOWN_FIELDS}
            for number, group in enumerate(groups) for choice in group[1:] if not choice.name
        ][:MAX_CHOICES]  # fmt: skip
        found: dict[str, list[dict]] = {}
        for result in self._run(searches) if searches else []:
            for group in result.get("grouped_hits", []):
                found.setdefault(group["group_key"][0], group["hits"])
        return found


_SAFE_TERM = re.compile(r"\w{1,200}")


def _talks_search(q: str, filter_by: str, query_by: str = "") -> dict:
    """A search that only counts the talks of the documents it finds."""
    search = {"q": q, "facet_by": "talk_id", "per_page": 0, "max_facet_values": FACET_LIMIT,
              **_exact()}  # fmt: skip
    if filter_by:
        search["filter_by"] = filter_by
    if query_by:
        search["query_by"] = query_by
    return search


def _one_clause(groups: tuple[Group, ...]) -> bool:
    """True for a query of one word (one term) or one phrase, without alternatives."""
    if len(groups) != 1 or len(groups[0]) != 1:
        return False
    match = groups[0][0]
    return bool(match.terms) and (match.phrase or len(match.terms) == 1)


def _exact() -> dict:
    """talkseek corrects typos and expands prefixes itself; Typesense matches words as given."""
    return {"num_typos": 0, "prefix": "false", "typo_tokens_threshold": 0}


def _words(group: Group) -> list[str]:
    return [term for match in group if not match.phrase for term in match.terms
            if _SAFE_TERM.fullmatch(term)]  # fmt: skip


def _any_word(words: list[str], fields: tuple[str, ...]) -> str:
    listed = ",".join(sorted(set(words)))
    return "(" + " || ".join(f"{field}:[{listed}]" for field in fields) + ")"


def _phrase(match: Match) -> str:
    return '"' + " ".join(term for term in match.terms if _SAFE_TERM.fullmatch(term)) + '"'


def _join(*filters: str) -> str:
    return " && ".join(part for part in filters if part)


def _held(groups: tuple[Group, ...], text: str) -> set[int]:
    """The groups (by number) whose words, or one of whose phrases, the text holds."""
    found = set(terms(text))
    return {number for number, group in enumerate(groups)
            if any(set(m.terms) <= found if m.phrase else found & set(m.terms)
                   for m in group)}  # fmt: skip


def _names(groups: tuple[Group, ...], fields: tuple[str, ...], record: dict) -> bool:
    """True when the talk's own record holds every group in the searched fields: its title
    or speaker was typed (what `engines.fusion` weighs as NAMED)."""
    text = " ".join(value for field, value in record_fields(record).items() if field in fields)
    return bool(groups) and len(_held(groups, text)) == len(groups)


def _pinned(groups: tuple[Group, ...], hits: list[dict]) -> bool:
    """True when one note, or the passages of one minute of one video, hold every group
    (what `engines.fusion` weighs as PINNED), judged from the hits' text."""
    def held(document: dict) -> set[int]:
        return _held(groups, document.get("text") or "")

    everything = set(range(len(groups)))
    passages: list[tuple[str, float, set[int]]] = []
    for hit in hits:
        document = hit["document"]
        if document["kind"] == Kind.NOTE and held(document) == everything:
            return True
        if document["kind"] == Kind.PASSAGE:
            passages.append((document["video_id"], float(document["start"]), held(document)))
    for video, start, _ in passages:
        minute = set().union(*(g for v, s, g in passages
                               if v == video and start <= s < start + WINDOW_SECONDS))  # fmt: skip
        if minute == everything:
            return True
    return False


class _Together(NamedTuple):
    """Per talk, the worth of its document saying most of the words typed together (a
    whole run 1, pairs their share), and the documents saying them, most first."""

    worth: dict[str, float]
    hits: dict[str, list[dict]]


def _holders_first(order: list[str], together: _Together) -> list[str]:
    """The talks saying words as typed first, most first; ties keep their order."""
    return sorted(order, key=lambda talk_id: -together.worth.get(talk_id, 0.0))


def _held_first(hits: dict[str, list[dict]], together: _Together) -> dict[str, list[dict]]:
    """Each talk's hits with the documents saying words as typed first: its first moment
    is where they are said so."""
    merged = dict(hits)
    for talk_id, held in together.hits.items():
        first = {hit["document"]["id"] for hit in held}
        merged[talk_id] = held + [hit for hit in hits.get(talk_id, [])
                                  if hit["document"]["id"] not in first]  # fmt: skip
    return merged


def _round_robin(lists: list[list[dict]]) -> list[dict]:
    """Each list's first item in turn, then each one's second, and so on: a talk's best
    document ranks with the other talks' best ones, not after all of its own."""
    rounds = max((len(items) for items in lists), default=0)
    return [items[number] for number in range(rounds) for items in lists
            if number < len(items)]  # fmt: skip


def _talk_match(talk_id: str, record: dict, hits: list[dict],
                found_by: dict[str, str] | None = None, score: float | None = None
                ) -> TalkMatch:  # fmt: skip
    """A talk's hits (best first) as its notes and up to three moments; `found_by` says
    which ranking found each document (a hybrid search's)."""
    found_by = found_by or {}

    def note(document: dict) -> NoteHit:
        return note_hit(document, found_by.get(document["id"], "keyword"))

    def passage(document: dict) -> PassageHit:
        return passage_hit(document, found_by.get(document["id"], "keyword"))

    notes = [note(hit["document"]) for hit in hits
             if hit["document"]["kind"] == Kind.NOTE][:NOTES_SHOWN]  # fmt: skip
    passages = [hit["document"] for hit in hits if hit["document"]["kind"] == Kind.PASSAGE]
    moments: list[list[PassageHit]] = []
    used: set[str] = set()
    for best in passages:
        if len(moments) == MOMENTS:
            break
        if best["id"] in used:
            continue
        window = [p for p in passages if p["id"] not in used and p["video_id"] == best["video_id"]
                  and abs(p["start"] - best["start"]) <= WINDOW_SECONDS]  # fmt: skip
        used.update(p["id"] for p in window)
        moments.append([passage(p) for p in sorted(window, key=lambda p: p["start"])])
    if score is None:
        score = float(hits[0]["text_match"]) if hits else 0.0
    return TalkMatch(talk_id, record, score, notes, moments)
