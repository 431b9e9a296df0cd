"""A query widened by the acronyms the talks use, both ways round.

An acronym typed is also searched as the talks spell it out (`PMF`: "product market
fit"), and words typed side by side that spell one out are also searched written short;
a model reading the query's meaning is told what each acronym typed stands for. What
the acronyms stand for comes from `indexer.search.acronyms`.
"""

from __future__ import annotations

import re
import string

from indexer.core.analysis import words
from indexer.search.acronyms import form_stems, stands_for
from indexer.search.query import Clause, Query, said_aloud

#: Words an acronym's form is read in (as `indexer.search.acronyms` reads them).
_WORD_OF = re.compile(r"[^\W\d_]+")
#: The longest form searched for an acronym written short, in words.
MAX_FORM_WORDS = 6


def spell_out(query: Query, table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Adds to each acronym typed what the talks spell it out as, which is how many of
    them say it, with a notice. Returns the forms added by the word typed."""
    spelt: dict[str, tuple[str, ...]] = {}
    for group in query.groups if table else []:
        for clause in [clause for clause in group if clause.kind == "word"]:
            acronym, forms = stands_for(table, clause.text)
            added = [form for form in map(Clause, ["phrase"] * len(forms), forms)
                     if form not in group]  # fmt: skip
            if added:
                group.extend(added)
                spelt[clause.text] = tuple(form.text for form in added)
                said = " or ".join(f"“{form.text}”" for form in added)
                query.notices.append(f"Also searching for {said}, as the talks spell out "
                                     f"{acronym.upper()}.")  # fmt: skip
    return spelt


def write_short(query: Query, short: dict[tuple[str, ...], str]) -> dict[Clause, float]:
    """Words typed side by side that spell out an acronym the talks use (`product
    market fit`, `go-to-market`) also find it written short (`PMF`): it joins the group
    of each of those words, so a passage saying only the acronym holds them all, and
    counts a share of a word in each (once in all), with a notice. Returns those shares."""
    shares: dict[Clause, float] = {}
    hyphenated = [group[0].text for group in query.groups if _one_word(group)
                  and "-" in group[0].text]  # fmt: skip
    for run in [*query.together, *hyphenated] if short else []:
        for acronym, said in _forms_said(run, short):
            written = Clause("word", acronym)
            spelt = set(form_stems(said))
            holding = [group for group in query.groups
                       if (stems := _stems(group)) and stems <= spelt]  # fmt: skip
            covered = set().union(*map(_stems, holding))
            searched = [*query.excluded, *(clause for group in query.groups for clause in group)]
            if len(covered) < 2 or written in searched:
                continue
            for group in holding:
                group.append(written)
            shares[written] = 1 / len(holding)
            query.notices.append(f"Also searching for {acronym.upper()}, as the talks "
                                 f"write “{said}” short.")  # fmt: skip
    return shares


def meaning_text(free_text: str, spelt: dict[str, tuple[str, ...]]) -> str:
    """The plain words typed, as a model reads their meaning: shorthand as said, and each
    acronym the talks spell out followed by what it stands for (`PMF (product market
    fit)`), since a model knows few acronyms."""
    read = []
    for typed in said_aloud(free_text).split():
        forms = spelt.get(next(iter(words(typed)), ""), ())
        word = typed.rstrip(string.punctuation)
        read.append(f"{word} ({forms[0]}){typed[len(word):]}" if forms else typed)
    return " ".join(read)


def _one_word(group: list[Clause]) -> bool:
    return len(group) == 1 and group[0].kind == "word"


def _stems(group: list[Clause]) -> set[str]:
    """The stems of the words of a group of one word (a hyphenated word has several)."""
    return set(form_stems(group[0].text)) if _one_word(group) else set()


def _forms_said(run: str, short: dict[tuple[str, ...], str]) -> list[tuple[str, str]]:
    """The acronyms whose forms a run of typed words says, longest first, each with its
    words as typed (`product-market fit`)."""
    read = [(stem, found.span()) for found in _WORD_OF.finditer(run)
            for stem in form_stems(found.group())]  # fmt: skip
    stems = tuple(stem for stem, _ in read)
    spans = [span for _, span in read]
    return [(short[stems[at : at + size]], run[spans[at][0] : spans[at + size - 1][1]])
            for size in range(min(len(stems), MAX_FORM_WORDS), 1, -1)
            for at in range(len(stems) - size + 1) if stems[at : at + size] in short]
