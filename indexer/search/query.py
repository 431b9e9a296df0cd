"""The query language, read forgivingly: any string is a query, none is an error.

    words are AND-ed          "exact phrase"        a OR b
    -word  -"phrase"  NOT w   prefix*               speaker:vogels event:"re:Invent"
    section:keynotes title:lambda video:ID          in:notes  in:transcript
    year:2023  after:2023-06  before:2024           -speaker:vogels  -year:2023

An unmatched quote, a bracket, a lone operator or an unknown `field:` is read as
plain words, so `re:Invent` and `Gall's` stay words. A date filter without a date, a
scope that is not one (`in:title`) or a scope negated is left out and a notice says so:
read as words, it would only make the other words fail. A query with nothing left to
look for says that too. Pure: text in, a Query out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from indexer.core.analysis import fold, is_stop_word, word_pattern, words

FILTER_FIELDS = ("speaker", "event", "section", "title", "video")
#: Filters on a talk's date: `year:2023`, `after:2023-06`, `before:2024`.
DATE_FIELDS = ("year", "after", "before")
_DATE_VALUE = re.compile(r"(?:19|20)\d\d(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")
SCOPES = {"notes": "notes", "note": "notes", "transcript": "transcript",
          "transcripts": "transcript"}  # fmt: skip
MAX_CLAUSES = 16
MIN_PREFIX = 2

#: Words naming what every result is: typed before what it is about (`ted talk about
#: octopus`, `the episode where they discuss pricing`) they are not words to find, and
#: requiring them would lose the talks that never happen to say them.
_KINDS = frozenset({
    "talk", "talks", "episode", "episodes", "podcast", "podcasts", "video", "videos",
    "keynote", "keynotes", "lecture", "lectures", "presentation", "presentations",
    "interview", "interviews",
})  # fmt: skip
#: Kinds that are verbs too (`how to talk about feelings`): a kind only after a series
#: or a determiner (`a talk about`, `ted talks on`).
_VERBS = frozenset({"talk", "talks"})
#: Names of talk series typed before a kind (`ted talk`, `tedx talk`).
_SERIES = frozenset({"ted", "tedx"})
_DETERMINERS = frozenset({"the", "a", "an", "that", "this", "these", "those", "some", "any"})
#: Words typed between two things compared (`okrs vs kpis`): whoever types them wants
#: talks weighing both, which seldom say the word itself; said aloud, it is "versus".
_COMPARING = frozenset({"vs", "versus"})
_SAID_COMPARING = "versus"
_OTHER_SPELLING = {"vs": "versus", "versus": "vs"}
#: A meeting of two written in shorthand (`1:1`, `1-on-1`, `1on1s`): said aloud and in
#: captions it is "one-on-one", and read as written it is only two ones ("9-1-1").
_ONE_ON_ONE = re.compile(r"1(?::|-on-|on)1(s?)", re.IGNORECASE)
#: An amount written short (`$100M`, `2.5B`, `$10k`): said aloud, and in captions,
#: "100 million", "2.5 billion" and "10,000" (captions write thousands in digits).
_AMOUNT = re.compile(r"\$?(\d+(?:\.\d+)?)([kmb])", re.IGNORECASE)
_AMOUNTS = {"m": "million", "b": "billion"}
#: Thousands written in full, as captions write them (`10,000`, `$2,500`).
_GROUPED_THOUSANDS = re.compile(r"\$?([1-9]\d{0,2}),(\d{3})")
_PART = re.compile(r"\w+")
_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"()]+))'
)


@dataclass(frozen=True)
class Clause:
    """One thing to find: a word, a phrase (several words in order) or a prefix."""

    kind: str  # "word" | "phrase" | "prefix"
    text: str

    def __str__(self) -> str:
        if self.kind == "phrase":
            return f'"{self.text}"'
        return f"{self.text}*" if self.kind == "prefix" else self.text


@dataclass
class Query:
    """A parsed query: groups that must all match (each an OR of clauses), and the rest."""

    raw: str
    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    #: filters negated (`-speaker:vogels`): talks they hold are left out
    excluded_filters: dict[str, list[str]] = field(default_factory=dict)
    scope: str | None = None
    #: the query's plain words as typed, stop words included, without phrases,
    #: exclusions and filters: what a meaning search embeds
    free_text: str = ""
    #: runs of two or more plain words typed side by side (stop words included): where
    #: they are said together as typed, a document ranks higher (`Plan.together`)
    together: list[str] = field(default_factory=list)
    #: what of the query was left out, and why, for the user to read
    notices: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.filters and not self.excluded_filters


def _clause(text: str, quoted: bool) -> Clause | None:
    text = " ".join(text.split())
    if not text:
        return None
    if quoted:
        return Clause("phrase", text) if len(words(text)) > 1 else _clause(text, False)
    if text.endswith("*"):
        stem = text.rstrip("*")
        if len(stem) >= MIN_PREFIX and len(words(stem)) == 1 and "*" not in stem:
            return Clause("prefix", words(stem)[0])
        text = stem
    found = words(text.replace("*", " "))
    if not found:
        return None
    if len(found) > 1:
        return Clause("phrase", " ".join(found))
    return Clause("word", found[0])


def _is_stop(clause: Clause) -> bool:
    return clause.kind == "word" and typed_stop_word(clause.text)


def typed_stop_word(word: str) -> bool:
    """True for a stop word as typed (`that's` is `thats`)."""
    return is_stop_word(word.replace("'", "").replace("\u2019", ""))


def parse_query(raw: str) -> Query:
    """Read a query string; never raises."""
    text = raw.replace("\x00", " ")
    if text.count('"') % 2:  # an unmatched quote: read its words plainly
        head, _, tail = text.rpartition('"')
        text = f"{head} {tail}"
    query = Query(raw=raw)
    pending_or = negate_next = False
    too_short: list[tuple[str, Clause]] = []  # prefixes read as words (`a*`)
    run = _Run(query)
    for match in _TOKEN.finditer(text):
        quoted = match.group("quoted")
        bare = match.group("bare")
        name = (match.group("field") or "").lower()
        value = quoted if quoted is not None else bare
        negate = bool(match.group("neg")) or negate_next
        negate_next = False
        if quoted is None and not name and bare in ("OR", "|"):
            pending_or = bool(query.groups)
            run.end(drop_last=True)  # the word before OR is one of two choices
            continue
        if quoted is None and not name and bare in ("NOT", "AND", "&&"):
            negate_next = bare == "NOT"
            run.end()
            continue
        if name in ("in", *DATE_FIELDS, *FILTER_FIELDS) and value and value.strip():
            run.end()
        if name == "in" and value and value.strip():
            if value.lower() not in SCOPES:
                query.notices.append(_not_a_scope(match.group(0).strip().lstrip("-"), value))
            elif negate:
                query.notices.append(f"-in:{value} left out: a search can be limited to "
                                     "notes or to transcripts, not leave one out")
            else:
                query.scope = SCOPES[value.lower()]
            continue
        kept = query.excluded_filters if negate else query.filters
        if name in DATE_FIELDS and value and value.strip():
            if _is_date(name, value.strip()):
                kept.setdefault(name, []).append(value.strip())
            else:
                query.notices.append(_not_a_date(match.group(0).strip(), name))
            continue
        if name in FILTER_FIELDS and value and value.strip():
            kept.setdefault(name, []).append(" ".join(value.split()))
            continue
        if name:  # not a field we know: the whole thing is text, e.g. re:Invent
            value = match.group(0).lstrip("-")
            quoted = None
            value = value.replace('"', " ")
        clause = _clause(value or "", quoted is not None)
        if clause is None:
            pending_or = False
            continue
        if quoted is None and clause.kind == "word" and value.endswith("*"):
            too_short.append((value, clause))
        if negate:
            query.excluded.append(clause)
            pending_or = False
            run.end()
            continue
        if quoted is None:
            query.free_text = f"{query.free_text} {value.replace('*', ' ')}".strip()
        if pending_or:
            query.groups[-1].extend(_as_written_or_said(clause))
            run.end()
        else:
            query.groups.append(_as_written_or_said(clause))
            if quoted is None and clause.kind != "prefix":
                run.add(value)
            else:
                run.end()
        pending_or = False
    run.end()
    _dedupe(query)
    _drop_kind_words(query)
    _drop_kind_words_after(query)
    _drop_comparing_words(query)
    _drop_stop_words(query)
    _cap(query)
    query.notices.extend(_too_short(query, too_short))
    if text.strip() and not query.groups and not query.filters and not query.excluded_filters:
        query.notices.append(_nothing_to_find(query))
    return query


class _Run:
    """Collects the plain words typed side by side into `Query.together`."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.typed: list[str] = []

    def add(self, value: str) -> None:
        written = words(value)
        said = [_as_said(word) for word in written]
        self.typed.append(" ".join(said) if said != written else value)

    def end(self, drop_last: bool = False) -> None:
        if drop_last and self.typed:
            self.typed.pop()
        if len(self.typed) > 1:  # no longer than the words a query searches
            self.query.together.append(" ".join(self.typed[:MAX_CLAUSES]))
        self.typed = []


def _too_short(query: Query, prefixes: list[tuple[str, Clause]]) -> list[str]:
    """What became of prefixes too short to be one: searched as a word, or left out with
    the stop words."""
    kept = {clause for group in query.groups for clause in group} | set(query.excluded)
    need = f"a prefix needs {MIN_PREFIX} letters before *"
    return list(dict.fromkeys(
        f"{typed} read as the word {clause.text}: {need}" if clause in kept
        else f"{typed} left out: {need}, and the word {clause.text} is too common to look for"
        for typed, clause in prefixes))  # fmt: skip


def _not_a_scope(typed: str, value: str) -> str:
    said = (f"{typed} left out: a search can be limited to your notes (in:notes) or to "
            "transcripts (in:transcript)")  # fmt: skip
    if value.lower() in FILTER_FIELDS:
        said += f"; {value.lower()}:WORD keeps the talks whose {value.lower()} has the word"
    return said


def _nothing_to_find(query: Query) -> str:
    """Why a query that was not blank finds nothing: it has no word to look for."""
    if query.excluded:
        return "nothing to look for: a -word only leaves out what has it; add a word to find"
    if query.scope:
        return f"nothing to look for: add the words to find in:{query.scope}"
    return (f"nothing to look for: type a word (OR, NOT and - join or leave out words, "
            f"and a prefix needs {MIN_PREFIX} letters before *)")


def _dedupe(query: Query) -> None:
    """The same clause, group, exclusion or filter twice asks nothing more: keep it once.

    A query repeating one costly phrase sixteen times would otherwise cost sixteen times.
    """
    groups: list[list[Clause]] = []
    seen: set[frozenset[Clause]] = set()
    for group in query.groups:
        unique = list(dict.fromkeys(group))
        key = frozenset(unique)
        if key not in seen:
            seen.add(key)
            groups.append(unique)
    query.groups = groups
    query.excluded = list(dict.fromkeys(query.excluded))
    query.filters = {name: list(dict.fromkeys(values)) for name, values in query.filters.items()}
    query.excluded_filters = {name: list(dict.fromkeys(values))
                              for name, values in query.excluded_filters.items()}  # fmt: skip
    query.notices = list(dict.fromkeys(query.notices))


def _is_date(name: str, value: str) -> bool:
    """A value a date filter can use: a year, or (after:, before:) a month or a day too."""
    return bool(_DATE_VALUE.fullmatch(value)) and (name != "year" or len(value) == 4)


def _not_a_date(typed: str, name: str) -> str:
    wanted = "a year, like 2023" if name == "year" else "a year, a month or a day, like 2023-06"
    return f"{typed} left out: not a date ({name}: takes {wanted})"


def _cap(query: Query) -> None:
    """At most MAX_CLAUSES clauses, exclusions and filters: a query's cost stays bounded."""
    room = MAX_CLAUSES
    groups = []
    for group in query.groups:
        if room <= 0:
            break
        groups.append(group[:room])
        room -= len(groups[-1])
    capped = sum(map(len, query.groups)) > sum(map(len, groups))
    query.groups = groups
    capped |= len(query.excluded) > MAX_CLAUSES
    query.excluded = query.excluded[:MAX_CLAUSES]
    room = MAX_CLAUSES
    for filters in (query.filters, query.excluded_filters):
        for name, values in list(filters.items()):
            capped |= len(values) > max(room, 0)
            if room > 0:
                filters[name] = values[:room]
                room -= len(filters[name])
            else:
                del filters[name]
    if capped:
        query.notices.append(f"a long query: only its first {MAX_CLAUSES} words, "
                             f"{MAX_CLAUSES} exclusions and {MAX_CLAUSES} filters are searched")


def _drop_kind_words(query: Query) -> None:
    """Leading words that say a talk is sought (`the ted talk about`) are left out, with
    a notice, when the query goes on to say what about: a kind of talk (`_KINDS`), after
    a determiner or a series, or before a stop word. Quoted, they are words like any
    other."""
    leading: list[str] = []
    for group in query.groups:
        if len(group) != 1 or group[0].kind != "word":
            break
        leading.append(group[0].text)
    at = _skip(leading, 0, _DETERMINERS.__contains__)
    at = _skip(leading, at, _SERIES.__contains__)
    kinds_end = _skip(leading, at, _KINDS.__contains__)
    end = _skip(leading, kinds_end, typed_stop_word)
    named = at > 0  # a determiner or a series before the kind
    if kinds_end == at or not (named or (end > kinds_end and leading[at] not in _VERBS)):
        return
    if all(_is_stop(clause) for group in query.groups[end:] for clause in group):
        return  # nothing said about the talk: the words are what is sought
    typed = leading[:end]
    query.groups = query.groups[end:]
    query.free_text = " ".join(query.free_text.split()[end:])
    query.together = [" ".join(kept) for kept in (_without_head(run, typed)
                                                  for run in query.together) if len(kept) > 1]
    query.notices.append(_left_out(typed))


def _drop_kind_words_after(query: Query) -> None:
    """Words ending a query that name a series and a kind of talk (`octopus ted talk`,
    `pricing podcast episode`) are left out as those leading it are. A kind alone stays:
    `small talk`, `pep talk`."""
    trailing: list[str] = []
    for group in reversed(query.groups):
        if len(group) != 1 or group[0].kind != "word" or group[0].text not in _SERIES | _KINDS:
            break
        trailing.insert(0, group[0].text)
    if len(trailing) < 2 or not set(trailing) & _KINDS:
        return
    rest = query.groups[: len(query.groups) - len(trailing)]
    if all(_is_stop(clause) for group in rest for clause in group):
        return
    query.groups = rest
    query.free_text = " ".join(query.free_text.split()[: -len(trailing)])
    query.together = [" ".join(kept) for kept in (_without_tail(run, trailing)
                                                  for run in query.together) if len(kept) > 1]
    query.notices.append(_left_out(trailing))


def _drop_comparing_words(query: Query) -> None:
    """`vs` or `versus` between two things typed is not required: `okrs vs kpis` finds
    a talk weighing OKRs against KPIs in other words. Typed side by side, the run still
    ranks first where it is said, as captions spell it (`build versus buy`). At the start
    or end of a query, or quoted, it is a word like any other (`vs code`)."""
    kept: list[list[Clause]] = []
    for at, group in enumerate(query.groups):
        comparing = (len(group) == 1 and group[0].kind == "word"
                     and group[0].text in _COMPARING)  # fmt: skip
        if comparing and kept and kept[-1] is query.groups[at - 1] and at + 1 < len(query.groups):
            continue
        kept.append(group)
    if len(kept) == len(query.groups):
        return
    query.groups = kept
    query.together = [" ".join(map(_said_comparing, said, [None, *said], [*said[1:], None]))
                      for said in map(words, query.together)]  # fmt: skip


def _as_written_or_said(clause: Clause) -> list[Clause]:
    """A clause as typed, and as said when that is written otherwise: a phrase comparing
    two things (`"build vs buy"`) with the other spelling of its `vs` (captions say
    "versus", descriptions write "vs."); a one-on-one written `1:1` or an amount written
    `$100M` spelt out, first, as it is meant (an engine may rank by a group's first
    choice)."""
    if clause.kind == "prefix":
        return [clause]
    written = clause.text.split()
    spelt = [_as_said(word) for word in written]
    said = [_OTHER_SPELLING.get(word, word) if clause.kind == "phrase"
            and 0 < at < len(spelt) - 1 else word for at, word in enumerate(spelt)]  # fmt: skip
    if said == written:
        short = _in_thousands(clause.text) if clause.kind == "word" else None
        return [clause, Clause("word", short)] if short else [clause]
    other = " ".join(said)
    kind = "phrase" if clause.kind == "phrase" or len(words(other)) > 1 else clause.kind
    return [Clause(kind, other), clause] if spelt != written else [clause, Clause(kind, other)]


def _in_thousands(word: str) -> str | None:
    """Whole or half thousands under a million written in full (`10,000`, `2,500`) as
    people also write them, and some captions do: `10k`, `2.5k`."""
    found = _GROUPED_THOUSANDS.fullmatch(word)
    if found is None or found.group(2) not in ("000", "500"):
        return None
    return f"{Decimal(f'{found.group(1)}.{found.group(2)}').normalize():f}k"


def said_aloud(text: str) -> str:
    """Text with its shorthand words as said (`1:1` is "one-on-one", `$100M` "100
    million"): what a model reading meaning knows them as."""
    return " ".join(map(_as_said, text.split()))


def _as_said(word: str) -> str:
    """A word as it is said aloud, where shorthand writes it otherwise (`1:1`, `100M`,
    `10k`)."""
    found = _ONE_ON_ONE.fullmatch(word)
    if found is not None:
        return "one-on-one" + found.group(1).lower()
    found = _AMOUNT.fullmatch(word)
    if found is None:
        return word
    number, scale = found.group(1), found.group(2).lower()
    if scale in _AMOUNTS:
        return f"{number} {_AMOUNTS[scale]}"
    thousands = Decimal(number) * 1000
    return f"{thousands:,.0f}" if thousands == thousands.to_integral_value() else word


def _said_comparing(word: str, before: str | None, after: str | None) -> str:
    """A word of a run typed side by side, as captions would say it."""
    between = before not in (None, *_COMPARING) and after is not None
    return _SAID_COMPARING if word in _COMPARING and between else word


def _left_out(typed: list[str]) -> str:
    return (f"“{' '.join(typed)}” left out: every result is a talk (put words in quotes to "
            "search for them)")


def _without_tail(run: str, tail: list[str]) -> list[str]:
    said = words(run)
    return said[: -len(tail)] if said[-len(tail) :] == tail else said


def _skip(typed: list[str], at: int, passes: Callable[[str], bool]) -> int:
    """Where the run of words from `at` that `passes` ends."""
    while at < len(typed) and passes(typed[at]):
        at += 1
    return at


def _without_head(run: str, head: list[str]) -> list[str]:
    said = words(run)
    return said[len(head):] if said[: len(head)] == head else said


def _drop_stop_words(query: Query) -> None:
    """Stop words are dropped from plain words unless nothing else is left."""
    kept = [group for group in query.groups if not all(_is_stop(c) for c in group)]
    if kept:
        query.groups = kept
    query.excluded = [clause for clause in query.excluded if not _is_stop(clause)]


def respelt(raw: str, replacements: dict[str, str]) -> str:
    """The query as typed with each word of `replacements` (keyed as `words` reads them)
    replaced, in the case it was typed in: everything else, stop words and syntax
    included, stays as it was (`Will Guidra` → `Will Guidara`)."""
    def replace(match: re.Match[str]) -> str:
        written = match.group(0)
        new = replacements.get(fold(written))
        if new is None:
            return written
        if len(written) > 1 and written.isupper():
            return new.upper()
        return new[:1].upper() + new[1:] if written[:1].isupper() else new

    whole = word_pattern(raw).sub(replace, raw)  # compounds whole, then their parts:
    return _PART.sub(replace, whole)  # a filter's value is part of `speaker:value`


def unparse(query: Query) -> str:
    """A query back as text, as searched (what a correction shows when `respelt` cannot)."""
    parts = [" OR ".join(str(clause) for clause in group) for group in query.groups]
    parts += [f"-{clause}" for clause in query.excluded]
    for sign, filters in (("", query.filters), ("-", query.excluded_filters)):
        for name, values in filters.items():
            parts += [f'{sign}{name}:"{value}"' if " " in value else f"{sign}{name}:{value}"
                      for value in values]  # fmt: skip
    if query.scope:
        parts.append(f"in:{query.scope}")
    return " ".join(parts)
