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
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import NullQuery, Or, Phrase, Query, Term

from indexer import generations
from indexer.analysis import ANALYZER, phrase_parts, stem
from indexer.build import moment_url
from indexer.highlight import excerpt, mark
from indexer.query import Clause, parse_query, unparse
from indexer.query import Query as ParsedQuery
from indexer.schema import FIELD_WEIGHTS, NOTE, PASSAGE, TALK
from indexer.youtube import watch_url

WINDOW_SECONDS = 60.0
TALK_WEIGHT = 3.0  # a talk's own title or speaker outweighs passing mentions
MOMENTS = 3
NOTES_SHOWN = 5
PER_PAGE = 10
MAX_PER_PAGE = 50
MAX_EXPANSIONS = 48
SPELL_FIELDS = ("title", "note", "transcript")


class IndexMissing(RuntimeError):
    """There is no built index to search yet."""


@dataclass
class _Hit:
    docnum: int
    kind: str
    start: float
    video_id: str
    groups: dict[int, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(self.groups.values())


@dataclass
class _TalkMatch:
    talk_id: str
    hits: dict[int, _Hit] = field(default_factory=dict)
    score: float = 0.0
    clustered: bool = False
    covered: int = 0
    moments: list[list[_Hit]] = field(default_factory=list)


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
        self._talks: dict[str, dict] | None = None
        self._column_cache: dict[str, list] | None = None

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
        return sum(self.reader.doc_frequency(name, term) for name in fieldnames)

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
                spell = self.index.schema[name].spelling_fieldname(name)
                candidates = set(self.reader.terms_within(spell, word, distance, prefix=1))
                candidates |= {swap for swap in swaps if (spell, swap) in self.reader}
                for candidate in candidates:
                    found[candidate] += self.reader.doc_frequency(spell, candidate)
            if found:
                return [candidate for candidate, _ in found.most_common(3)]
        return []

    def _prefix_query(self, prefix: str, fieldnames) -> Query:
        words: Counter[str] = Counter()
        for name in SPELL_FIELDS:
            spell = self.index.schema[name].spelling_fieldname(name)
            for count, term in enumerate(self.reader.expand_prefix(spell, prefix)):
                if count > 5000:
                    break
                text = term.decode() if isinstance(term, bytes) else term
                words[text] += self.reader.doc_frequency(spell, text)
        stems = sorted({stem(word) for word, _ in words.most_common(MAX_EXPANSIONS)})
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

    def _run(self, query: Query) -> list[tuple[float, int]]:
        """(score, docnum) of every match.

        Transcript terms are matched apart from the other fields: passages hold
        only transcript text, so the two never share a document, and one big
        posting list alone is matched faster than inside an OR over every field.
        """
        hits: list[tuple[float, int]] = []
        for part in (_fields_only(query, True), _fields_only(query, False)):
            if part is not NullQuery:
                hits.extend(self.searcher.search(part, limit=None).top_n)
        return hits

    def _allowed_talks(self, parsed: ParsedQuery) -> set[str] | None:
        allowed: set[str] | None = None
        for name, values in parsed.filters.items():
            for value in values:
                if name == "video":
                    ids = {f["talk_id"] for f in self.searcher.documents(video_id=value)}
                else:
                    query = self._clause_query(Clause("phrase", value), (name,), {})
                    ids = {self.reader.stored_fields(d)["talk_id"] for _, d in self._run(query)}
                allowed = ids if allowed is None else allowed & ids
        return allowed

    def search(self, text: str, page: int = 1, per_page: int = PER_PAGE) -> dict:
        """The result structure shared by `talkseek search --json` and the JSON API."""
        page = max(int(page), 1)
        per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
        parsed = parse_query(text or "")
        corrections: dict[str, str] = {}
        matches, fallback = self._match(parsed, corrections)
        ranked = sorted(
            matches.values(),
            key=lambda m: (m.covered, m.clustered, m.score, m.talk_id),
            reverse=True,
        )
        ranked = [m for m in ranked if m.talk_id in self.talks]
        suggestion = None
        if corrections:
            fixed = parse_query(text)
            fixed.groups = [[Clause(c.kind, corrections.get(c.text, c.text)) for c in group]
                            for group in fixed.groups]  # fmt: skip
            suggestion = unparse(fixed)
        terms = self._highlight_terms(parsed, corrections)
        shown = ranked[(page - 1) * per_page : page * per_page]
        return {
            "query": text,
            "total": len(ranked),
            "page": page,
            "per_page": per_page,
            "suggestion": suggestion,
            "fallback": fallback,
            "facets": self._facets(ranked),
            "results": [self._result(match, terms) for match in shown],
        }

    def _match(self, parsed: ParsedQuery, corrections) -> tuple[dict[str, _TalkMatch], bool]:
        if parsed.is_empty:
            return {}, False
        fieldnames = _scope_fields(parsed.scope)
        allowed = self._allowed_talks(parsed)
        excluded = self._excluded_docs(parsed)
        matches: dict[str, _TalkMatch] = {}
        if not parsed.groups:  # filters alone: list the talks they select
            for talk_id in allowed or ():
                matches[talk_id] = _TalkMatch(talk_id, clustered=True)
            return matches, False
        columns = self._columns()
        for number, group in enumerate(parsed.groups):
            query = Or([self._clause_query(c, fieldnames, corrections) for c in group])
            for score, docnum in self._run(query):
                if docnum in excluded:
                    continue
                talk_id = columns["talk_id"][docnum]
                if allowed is not None and talk_id not in allowed:
                    continue
                match = matches.setdefault(talk_id, _TalkMatch(talk_id))
                hit = match.hits.get(docnum)
                if hit is None:
                    hit = _Hit(docnum, columns["kind"][docnum], columns["start"][docnum],
                               columns["video_id"][docnum])  # fmt: skip
                    match.hits[docnum] = hit
                hit.groups[number] = score
        for talk_id in self._excluded_talks(excluded, columns):
            matches.pop(talk_id, None)
        wanted = len(parsed.groups)
        for match in matches.values():
            _score(match, wanted)
        complete = {k: m for k, m in matches.items() if m.covered == wanted}
        if complete or wanted == 1:
            return complete, False
        return matches, bool(matches)

    def _columns(self) -> dict[str, list]:
        """Per-document kind, talk, video and start, read from the columns once."""
        if self._column_cache is None:
            names = ("kind", "talk_id", "video_id", "start_ms")
            try:
                cache = {name: list(self.reader.column_reader(name)) for name in names}
            except NotImplementedError:  # a reader without columns (e.g. an empty index)
                stored = [self.reader.stored_fields(d) for d in range(self.reader.doc_count_all())]
                cache = {name: [fields.get(name) for fields in stored] for name in names}
            cache["start"] = [(ms or 0) / 1000 for ms in cache.pop("start_ms")]
            self._column_cache = cache
        return self._column_cache

    def _excluded_docs(self, parsed: ParsedQuery) -> set[int]:
        docs: set[int] = set()
        for clause in parsed.excluded:
            query = self._clause_query(clause, tuple(FIELD_WEIGHTS), {})
            docs.update(docnum for _, docnum in self._run(query))
        return docs

    def _excluded_talks(self, excluded: set[int], columns) -> set[str]:
        return {columns["talk_id"][d] for d in excluded if columns["kind"][d] == TALK}

    # -- shaping results -----------------------------------------------------------

    def _highlight_terms(self, parsed: ParsedQuery, corrections: dict[str, str]) -> set[str]:
        terms: set[str] = set()
        for group in parsed.groups:
            for clause in group:
                text = corrections.get(clause.text, clause.text)
                if clause.kind == "prefix":
                    terms.update(
                        t.decode() if isinstance(t, bytes) else t
                        for t in self.reader.expand_prefix("transcript", stem(text))
                    )
                    terms.add(stem(text))
                else:
                    terms.update(token.text for token in ANALYZER(text))
        return terms

    def _facets(self, ranked: list[_TalkMatch]) -> dict[str, list[dict]]:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for match in ranked:
            record = self.talks[match.talk_id]
            for name, value in (("event", record.get("event")),
                                ("speaker", record.get("speaker")),
                                ("section", " / ".join(record.get("section", [])))):  # fmt: skip
                if value:
                    counts[name][value] += 1
        return {
            name: [
                {"value": value, "count": count} for value, count in counts[name].most_common(20)
            ]
            for name in ("event", "speaker", "section")
        }

    def _result(self, match: _TalkMatch, terms: set[str]) -> dict:
        record = self.talks[match.talk_id]
        notes = sorted(
            (hit for hit in match.hits.values() if hit.kind == NOTE),
            key=lambda hit: -hit.score,
        )[:NOTES_SHOWN]
        return {
            "talk": talk_summary(record),
            "score": round(match.score, 4),
            "notes": [self._note(hit, record, terms) for hit in notes],
            "moments": [self._moment(window, record, terms) for window in match.moments],
        }

    def _note(self, hit: _Hit, record: dict, terms: set[str]) -> dict:
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

    def _moment(self, window: list[_Hit], record: dict, terms: set[str]) -> dict:
        stored = [self.reader.stored_fields(hit.docnum) for hit in _tightest(window)]
        text = excerpt(" ".join(fields["text"] for fields in stored), terms)
        start = min(fields["start"] for fields in stored)
        video_id = window[0].video_id
        return {
            "video_id": video_id,
            "start": start,
            "end": max(fields["end"] for fields in stored),
            "text": text,
            "html": mark(text, terms),
            "url": moment_url(record, video_id, start),
        }


def _fields_only(query: Query, transcript: bool) -> Query:
    """The part of a query on the transcript field (or on every other field)."""

    def keep(node: Query) -> Query:
        name = getattr(node, "fieldname", None)
        if name is not None and (name == "transcript") != transcript:
            return NullQuery
        return node

    return query.accept(keep).normalize()


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


def _score(match: _TalkMatch, wanted: int) -> None:
    """Score a talk from its hits and pick its moments (windows of passages)."""
    talk_groups: dict[int, float] = {}
    notes: list[_Hit] = []
    passages: list[_Hit] = []
    for hit in match.hits.values():
        if hit.kind == TALK:
            talk_groups = dict(hit.groups)
        elif hit.kind == NOTE:
            notes.append(hit)
        elif hit.kind == PASSAGE:
            passages.append(hit)
    everything = set(talk_groups)
    for hit in match.hits.values():
        everything.update(hit.groups)
    match.covered = len(everything)
    windows = _windows(passages)
    note_scores = sorted((hit.score for hit in notes), reverse=True)
    candidates = [set(talk_groups) | set(hit.groups) for hit in notes]
    candidates += [set(talk_groups) | groups for groups, _, _ in windows]
    candidates.append(set(talk_groups))
    match.clustered = any(len(groups) >= wanted for groups in candidates)
    chosen = _pick_moments(windows)
    match.moments = [hits for _, _, hits in chosen]
    window_scores = [score for _, score, _ in chosen]
    match.score = (
        TALK_WEIGHT * sum(talk_groups.values())
        + (note_scores[0] if note_scores else 0.0)
        + 0.3 * sum(note_scores[1:4])
        + (window_scores[0] if window_scores else 0.0)
        + 0.3 * sum(window_scores[1:])
    )


def _windows(passages: list[_Hit]) -> list[tuple[set[int], float, list[_Hit]]]:
    """For each passage hit, the hits of the same video starting within a minute of it."""
    ordered = sorted(passages, key=lambda hit: (hit.video_id, hit.start))
    windows = []
    for index, anchor in enumerate(ordered):
        inside = []
        for hit in ordered[index:]:
            if hit.video_id != anchor.video_id or hit.start - anchor.start > WINDOW_SECONDS:
                break
            inside.append(hit)
        best: dict[int, float] = {}
        for hit in inside:
            for group, score in hit.groups.items():
                best[group] = max(best.get(group, 0.0), score)
        windows.append((set(best), sum(best.values()), inside))
    return windows


def _tightest(window: list[_Hit]) -> list[_Hit]:
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


def _pick_moments(windows) -> list[tuple[set[int], float, list[_Hit]]]:
    """Up to MOMENTS non-overlapping windows, those covering most groups first."""
    chosen: list[tuple[set[int], float, list[_Hit]]] = []
    taken: set[int] = set()
    for window in sorted(windows, key=lambda w: (len(w[0]), w[1]), reverse=True):
        docnums = {hit.docnum for hit in window[2]}
        if docnums & taken:
            continue
        chosen.append(window)
        taken |= docnums
        if len(chosen) == MOMENTS:
            break
    return chosen


def search(index_dir: Path, text: str, page: int = 1, per_page: int = PER_PAGE) -> dict:
    """One search on the current index generation (opens and closes it)."""
    with TalkIndex(index_dir) as index:
        return index.search(text, page=page, per_page=per_page)
