"""What an acronym typed stands for in the talks indexed, so both are searched.

Each talk's record says which acronyms its notes and passages spell out, and how
surely (`indexer.ingest.acronyms`); added up over every talk, a form said at least
twice, or the only form an acronym has, said once, is what the acronym stands for.
The sums are made once per index generation an engine serves.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from weakref import WeakKeyDictionary

from indexer.core.analysis import stem
from indexer.engines.protocol import Engine

#: The evidence (`indexer.ingest.acronyms`) a form needs beside others: an acronym
#: spelt out once by chance ("BMI: but most important") is not what it stands for.
MIN_EVIDENCE = 2.0
#: What an acronym's only form needs: said beside it once, in words other than stop
#: words ("LLM: like let me" is chance).
ONLY_FORM_EVIDENCE = 1.0
#: Forms searched per acronym at most (`YOLO`: you only live once, you only look once).
MOST_FORMS = 3

_WORD = re.compile(r"[^\W\d_]+")
_TABLES: WeakKeyDictionary[Engine, tuple[str, dict[str, tuple[str, ...]],
                                        dict[tuple[str, ...], str]]] = WeakKeyDictionary()


def acronym_table(records: Iterable[dict]) -> dict[str, tuple[str, ...]]:
    """Per acronym (lowercase), the forms it stands for, best evidenced first; forms of
    one stem are one (`ideal customer profiles`)."""
    evidence: defaultdict[str, defaultdict[tuple[str, ...], defaultdict[str, float]]] = (
        defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    )
    for record in records:
        spelt = record.get("acronyms")
        if not isinstance(spelt, dict):
            continue
        for acronym, forms in spelt.items():
            if not isinstance(forms, dict):
                continue
            for form, weight in forms.items():
                if isinstance(form, str) and isinstance(weight, int | float) and form.strip():
                    key = form_stems(form)
                    evidence[acronym][key][form] += weight
    table: dict[str, tuple[str, ...]] = {}
    for acronym, forms in evidence.items():
        ranked = sorted(((sum(said.values()), min(said, key=lambda form: (-said[form], form)))
                         for said in forms.values()),
                        key=lambda one: (-one[0], one[1]))  # fmt: skip
        kept = [form for weight, form in ranked if weight >= MIN_EVIDENCE][:MOST_FORMS]
        if not kept and len(ranked) == 1 and ranked[0][0] >= ONLY_FORM_EVIDENCE:
            kept = [ranked[0][1]]
        if kept:
            table[acronym] = tuple(kept)
    return table


def acronyms_of(engine: Engine) -> dict[str, tuple[str, ...]]:
    """`acronym_table` of the records of the generation the engine serves, summed once."""
    return _tables(engine)[1]


def short_forms_of(engine: Engine) -> dict[tuple[str, ...], str]:
    """The acronym each form of `acronyms_of` is written short as, by the form's stems
    (`("product", "market", "fit")`: `pmf`)."""
    return _tables(engine)[2]


def _tables(engine: Engine) -> tuple[str, dict[str, tuple[str, ...]], dict[tuple[str, ...], str]]:
    generation = engine.generation()
    cached = _TABLES.get(engine)
    if cached is None or cached[0] != generation:
        table = acronym_table(engine.records())
        short = {form_stems(form): acronym for acronym, forms in sorted(table.items())
                 for form in forms}  # fmt: skip
        cached = (generation, table, short)
        _TABLES[engine] = cached
    return cached


def form_stems(text: str) -> tuple[str, ...]:
    """The stems of a text's words, as forms are known by (`Ideal customer profiles`)."""
    return tuple(stem(word) for word in _WORD.findall(text.lower()))


def stands_for(table: dict[str, tuple[str, ...]], word: str) -> tuple[str, tuple[str, ...]]:
    """The acronym a word typed is (`OKRs` is `okr`) and what it stands for, if the talks
    spell it out; else the word and nothing."""
    lowered = word.lower()
    for acronym in (lowered, lowered[:-1] if lowered.endswith("s") else lowered):
        if acronym in table:
            return acronym, table[acronym]
    return lowered, ()
