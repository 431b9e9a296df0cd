"""The one text analyzer, shared by ingest, every engine, queries and highlighting.

Words are split so that `S3`, `re:Invent`, `Gall's`, `event-driven` and
`Amazon.com` are findable whole and by their parts: a compound yields its joined
form and its parts, the parts at consecutive positions and the joined form at
the first part's position. Digits joined by a dot, colon or slash are only their parts
(`2.5` is not 25, nor `9/11` 911; after a dot they are a fraction, `dot5`), and a
number grouped by commas is one number (`10,000` is 10000). Symbols that make a word
another one are spelt out (`C++`, `C#`, `.NET` are `cplusplus`, `csharp`, `dotnet`), so
`c#` never finds every `c`, nor `.net` every net. Then lowercase, accents folded, and
nltk's Snowball stemmer (pure Python, no downloaded data). Stop words stay in the index, so
quoted phrases can match them; plain query words drop them (see `is_stop_word`).

The analyzer is pure and engine-free: text in, terms out. Each tokenizer match
is analysed on its own and cached, because a match's terms never depend on its
neighbours; an engine adapts `analyze` to its own token type.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from nltk.stem.snowball import SnowballStemmer

# A word: an optional leading dot before a letter and after no word (.NET, .com), the
# body (a number grouped by commas, or letters and digits with apostrophes, soft hyphens
# and compound joiners inside), an optional `++` or `#` ending (C++, C#). A soft hyphen
# only says where a word may break (text copied from web pages has them):
# `Kuber\u00adnetes` is Kubernetes. `10,000` is the number people also type as `10000`.
# The body's quantifiers are possessive only for speed: nothing after them matches a word
# character, so giving one back never finds another match.
_LEADING_DOT = r"(?:\.(?<![\w.]\.)(?=[^\W\d_]))?"
_GROUPED = r"\d{1,3}(?:,\d{3})++(?!\d|,\d)"
_WORDLIKE = r"\w++(?:['\u2019\u00ad]\w+)*+(?:[-.:/]\w+(?:['\u2019\u00ad]\w+)*)*+"
_ENDING = r"(?:(?=[+#])(?:\+\+|#(?!\w))(?:['\u2019]s\b)?)?"
WORD = f"{_LEADING_DOT}(?:{_GROUPED}|{_WORDLIKE}){_ENDING}"
_WORD_PATTERN = re.compile(WORD)
#: WORD without its leading dot and grouped numbers, which cost two fifths of tokenizing
#: (a pattern that may start with a dot is tried at every character, and one with two
#: bodies tries both): the same matches in any text where no dot could lead a word and
#: no digit is followed by a comma and three digits, as two fast scans find.
_PLAIN_WORD_PATTERN = re.compile(_WORDLIKE + _ENDING)
_UNDOTTED_PATTERN = re.compile(f"(?:{_GROUPED}|{_WORDLIKE}){_ENDING}")
_DOT_LEADS = re.compile(r"\.(?<![\w.]\.)(?=[^\W\d_])")
_COMMA_GROUPS = re.compile(r",(?<=\d,)\d{3}")  # each scan starts at a literal: fast
_PLAIN = re.compile(r"\w+")  # no compound separators or apostrophes
_DROPPED = "'\u2019\u00ad,"  # inside a word: apostrophes, soft hyphens, a number's commas
_POSSESSIVE = re.compile(r"['\u2019]s$", re.I)
#: How a word's symbols are spelt out: its leading dot, and its ending.
_DOT = "dot"
_ENDINGS = (("++", "plusplus"), ("#", "sharp"))
_SYMBOLS = re.compile(r"^\.|(?:\+\+|#)(?:['\u2019]s)?$")



def word_pattern(text: str) -> re.Pattern[str]:
    """The tokenizer for this text: WORD, or the same without a leading dot and grouped
    numbers where the text has neither (most texts), which finds the same words faster."""
    if _DOT_LEADS.search(text):
        return _WORD_PATTERN
    return _UNDOTTED_PATTERN if _COMMA_GROUPS.search(text) else _PLAIN_WORD_PATTERN


#: Bumped whenever the terms of some text change, so engines rebuild indexes made before.
ANALYZER_VERSION = 12  # 2: split stems; 3: also where Snowball stops short; 4: name forms;
# 5: a name's words that are their own stem, marked; 6: symbols spelt out (C++, C#, .NET);
# 7: soft hyphens inside words; 8: numbers grouped by commas whole, digits never joined;
# 9: more split stems (quite, severe, positive, evening, illness, productivity…);
# 10: contractions that spell another word without their apostrophe kept apart;
# 11: the digits after a number's dot spelt as a fraction (`1.3` is 1 and `dot3`)
# 12: meeting and marketing split from meet and market

#: Ends a name's word as written where the word is its own stem (`name_forms`). A digit,
#: since every engine's tokenizer keeps digits (Typesense drops most symbols).
WRITTEN_MARK = "0"

#: Contractions that spell another word once their apostrophe is dropped, as it is inside
#: other words (`don't` is `dont`, as people type it): `she'll` is not `shell`, `we'll`
#: not `well`, `I'd` not `ID`. Each is a term of its own, its apostrophe kept as
#: CONTRACTION_MARK, and no typo or prefix lookup offers it.
_CONTRACTIONS = frozenset({"i'll", "i'd", "we'll", "we're", "we'd", "he'll", "she'll", "she'd"})
#: A digit, since every engine's tokenizer keeps digits and no English word holds one.
CONTRACTION_MARK = "0"
_CONTRACTION_TERMS = frozenset(c.replace("'", CONTRACTION_MARK) for c in _CONTRACTIONS)

#: Spells the digits after a dot between digits (`2.5`, `3.11`, `1.2.3`): a fraction or a
#: version's minor number, not a number of its own, so `3%` does not find "1.3%", nor
#: `5 million` "2.5 million"; the whole part stays a number (`python 3` finds "3.11").
#: A leading dot is spelt the same way (`.NET` is `dotnet`); no word is a dot before digits.
_FRACTION = re.compile(r"dot\d+")


#: Snowball stems that join words of different meaning, and the beginnings that take a
#: word out of them into a stem of its own: `experiments` no longer matches `experience`.
#: A Snowball stem that only starts with one of these (`experienc`) is split the same way;
#: a word with none of the beginnings keeps the Snowball stem.
_SPLIT_STEMS: dict[str, tuple[str, ...]] = {
    "experi": ("experien", "experiment"),
    "univers": ("universit",),
    "organ": ("organic", "organism", "organiz", "organis"),  # organism before organis…
    "anim": ("animal", "animat"),
    "author": ("authorit", "authoriz", "authoris"),
    "busi": ("business",),
    "intern": ("internal", "internation"),
    "relat": ("relativ",),
    "engin": ("engineer",),
    "import": ("importan",),
    "execut": ("executiv",),
    "public": ("publicat",),
    "success": ("succession",),
    "consider": ("considerabl",),
    "object": ("objectiv",),
    "hospit": ("hospitalit",),
    "present": ("presentat",),
    "design": ("designat",),
    "quit": ("quite",),
    "sever": ("severe", "severit"),  # not `several`
    "posit": ("positiv",),
    "convers": ("conversion",),
    "apart": ("apartment",),
    "even": ("evening",),
    "will": ("willing",),
    "ill": ("illness",),  # `I'll` is `ill` too
    "be": ("being",),  # `human beings`
    "unit": ("unite",),
    "hard": ("hardly",),
    "near": ("nearly",),
    "like": ("likel",),  # `likely`: not every "like"
    "mean": ("meaning",),
    "wonder": ("wonderful",),
    "actual": ("actually",),
    "basic": ("basically",),
    "definit": ("definitio",),  # not `definitely`
    "probabl": ("probabilit",),  # not `probably`
    "product": ("productiv", "production"),
    "found": ("founded", "founding"),  # not every "found", nor every "founder"
    "ad": ("added", "adding"),  # not every "ad"
    "meet": ("meeting",),  # a meeting is not every "meet"
    "market": ("marketing", "marketer"),  # nor marketing every market
}
#: Their lengths: a Snowball stem's first letters are looked up, one length at a time.
_SPLIT_SIZES = sorted({len(joined) for joined in _SPLIT_STEMS})
#: British and American spellings of one split stem, and forms of one word.
_SAME_STEM = {"organis": "organiz", "authoris": "authoriz", "severit": "severe",
              "founding": "founded", "added": "add", "adding": "add",
              "marketer": "marketing"}  # fmt: skip

#: Letters that are two letters, or none plus a sound, for readers who type plain ASCII.
_EXTRA_FOLDS = {"\u00e6": "ae", "\u0153": "oe", "\u00f0": "d", "\u00fe": "th", "\u00df": "ss",
                "\u017f": "s"}  # fmt: skip
#: Code point ranges holding letters with accents, ligatures and full-width forms.
_FOLD_RANGES = ((0x00C0, 0x0250), (0x1E00, 0x1F00), (0xFB00, 0xFB07), (0xFF01, 0xFF5F))
#: Letters with a stroke, hook or middle dot have no decomposition; their names say the base.
_NAMED_BASE = re.compile(r"LATIN SMALL LETTER (?:DOTLESS )?([A-Z])(?: WITH .*)?")


def _plain(char: str) -> str:
    """A lowercase letter without its accents, from its decomposition or its name."""
    if char in _EXTRA_FOLDS:
        return _EXTRA_FOLDS[char]
    decomposed = unicodedata.normalize("NFKD", char)
    plain = "".join(_EXTRA_FOLDS.get(c, c) for c in decomposed if not unicodedata.combining(c))
    if plain.isascii():
        return plain
    named = _NAMED_BASE.fullmatch(unicodedata.name(char, ""))
    return named.group(1).lower() if named else char


def _fold_table() -> dict[int, str]:
    """Each accented lowercase letter (and compatibility form) to its plain ASCII form."""
    table = {}
    for low, high in _FOLD_RANGES:
        for point in range(low, high):
            char = chr(point)
            if char != char.lower():
                continue  # text is lowercased before folding
            plain = _plain(char)
            if plain != char and plain.isascii() and plain.strip():
                table[point] = plain
    return table


_FOLD = _fold_table()


class Term(NamedTuple):
    """One index term of a text: its text, word position and character span."""

    text: str
    pos: int
    start: int
    end: int


def fold(word: str) -> str:
    """Lowercase with accents folded: `Mélenchon` and `melenchon` are one word."""
    return word.lower().translate(_FOLD)


@lru_cache(maxsize=1)
def _snowball() -> SnowballStemmer:
    """nltk's English Snowball stemmer, loaded on first use: importing nltk takes a while
    and processes that only read an index's format need none of it."""
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


def load_stemmer() -> None:
    """Import the stemmer now: a server worker does so before its first request, which
    would otherwise wait for all of nltk to import."""
    _snowball()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of a lowercase word, split where Snowball joins different meanings;
    cached, because the stemmer is the hot spot of indexing."""
    found = str(_snowball().stem(word))
    for size in _SPLIT_SIZES:  # no split stem begins another: at most one is found
        beginnings = _SPLIT_STEMS.get(found[:size])
        if beginnings is not None:
            for beginning in beginnings:
                if word.startswith(beginning):
                    return _SAME_STEM.get(beginning, beginning)
    return found


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    source = files("indexer.core").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in source.splitlines() if line.strip() and not line.startswith("#")
    )


def is_stop_word(word: str) -> bool:
    """True for a lowercase, apostrophe-free word on the shipped stop list."""
    return word in stop_words()


def _pieces(match: str) -> tuple[int, list[tuple[str, int, int]]]:
    """How a tokenizer match splits: its end without a possessive `'s`, and its parts
    (apostrophes and soft hyphens dropped) with their character spans in the match."""
    end = len(match) - 2 if _POSSESSIVE.search(match) else len(match)
    parts = []
    for found in re.finditer(r"[^-.:/]+", match[:end]):
        text = "".join(c for c in found.group() if c not in _DROPPED)
        if text:
            parts.append((text, found.start(), found.end()))
    if parts and match.startswith("."):
        text, _, stop = parts[0]
        parts[0] = (_DOT + text, 0, stop)
    if parts:
        text, start, stop = parts[-1]
        for ending, spelt in _ENDINGS:
            if text.endswith(ending):
                parts[-1] = (text.removesuffix(ending) + spelt, start, stop)
    return end, parts


def _contraction(match: str) -> str | None:
    """The term of a contraction on the `_CONTRACTIONS` list, or None for any other word."""
    written = match.lower().replace("\u2019", "'")
    return written.replace("'", CONTRACTION_MARK) if written in _CONTRACTIONS else None


def is_contraction(word: str) -> bool:
    """True for a word (`we'll`, any case or apostrophe) or term (`we0ll`) of a contraction
    kept apart."""
    return word in _CONTRACTION_TERMS or _contraction(word) is not None


def _fraction(match: str, parts: list[tuple[str, int, int]], offset: int) -> bool:
    """True for a part of digits after a dot after digits (the 5 of `2.5`, `GPT-3.5`)."""
    if offset == 0 or not parts[offset][0].isdigit() or not parts[offset - 1][0].isdigit():
        return False
    return match[parts[offset][1] - 1] == "."


def spelt_out(word: str) -> bool:
    """True for a word that symbols make another word (`c++`, `c#`, `.net`): typed on
    purpose, so never corrected to a plain word it is one edit from (`c`, `net`)."""
    return _SYMBOLS.search(word) is not None


@lru_cache(maxsize=200_000)
def word_terms(match: str, stemmed: bool = True) -> tuple[int, tuple[Term, ...]]:
    """How many positions one tokenizer match takes, and its terms (positions and
    characters relative to the match), cached: most words recur thousands of times."""
    if _PLAIN.fullmatch(match):  # the common case: one plain word
        text = fold(match)
        return 1, (Term(stem(text) if stemmed else text, 0, 0, len(match)),)
    contraction = _contraction(match)
    if contraction is not None:
        return 1, (Term(contraction, 0, 0, len(match)),)
    end, parts = _pieces(match)
    normalize = (lambda text: stem(fold(text))) if stemmed else fold
    if len(parts) <= 1:
        text = parts[0][0] if parts else match[:end]
        return 1, (Term(normalize(text), 0, 0, end),)
    found = [Term(_DOT + text if _fraction(match, parts, offset) else normalize(text),
                  offset, start, stop)
             for offset, (text, start, stop) in enumerate(parts)]  # fmt: skip
    if all(text.isdigit() for text, _, _ in parts):  # `2.5`, `10:30`, `9/11`: not one number
        return len(parts), tuple(found)
    joined = Term(normalize("".join(text for text, _, _ in parts)), 0, 0, end)
    return len(parts), (joined, *found)


def analyze(text: str, stemmed: bool = True) -> Iterator[Term]:
    """Every term of a text in order, with positions and character spans."""
    base = 0
    for found in word_pattern(text).finditer(text):
        width, found_terms = word_terms(found.group(), stemmed)
        offset = found.start()
        for term in found_terms:
            yield Term(term.text, base + term.pos, offset + term.start, offset + term.end)
        base += width


def term_positions(text: str) -> dict[str, list[int]]:
    """Each index term of a text with its positions: what indexing a text field needs."""
    positions: dict[str, list[int]] = {}
    base = 0
    for found in word_pattern(text).finditer(text):
        width, found_terms = word_terms(found.group())
        for term in found_terms:
            if term.text in positions:
                positions[term.text].append(base + term.pos)
            else:
                positions[term.text] = [base + term.pos]
        base += width
    return positions


def name_forms(text: str) -> list[Term]:
    """The words of a name as written (folded, unstemmed), at their terms' positions:
    indexed beside the terms of a name field, so that `stevens` finds Michael Stevens
    before Steven Johnson, and `greene` Brian Greene before talks about green. A word that
    is its own stem carries `WRITTEN_MARK` (`adam0`): as itself it would be the very term
    `adams` stems to, and `adam` could not find Adam Grant before Paul Adams. A number has
    no form: digits never stem, and a marked `10` would be the number 100; nor has a
    contraction kept apart, whose term is already as written."""
    found: list[Term] = []
    base = 0
    for match in word_pattern(text).finditer(text):
        width, stemmed = word_terms(match.group())
        _, written = word_terms(match.group(), False)
        offset = match.start()
        found.extend(Term(plain.text if plain.text != term.text else plain.text + WRITTEN_MARK,
                          base + plain.pos, offset + plain.start, offset + plain.end)
                     for term, plain in zip(stemmed, written, strict=True)
                     if not (_number(plain.text) or plain.text in _CONTRACTION_TERMS))  # fmt: skip
        base += width
    return found


def unmarked(form: str) -> str:
    """A name form's word as written (`adam0` → `adam`, `stevens` as it is)."""
    word = form.removesuffix(WRITTEN_MARK)
    return word if word != form and stem(word) == word else form


def name_positions(text: str) -> dict[str, list[int]]:
    """`term_positions` of a name, with its `name_forms` at their words' positions."""
    positions = term_positions(text)
    for form in name_forms(text):
        positions.setdefault(form.text, []).append(form.pos)
    return positions


def terms(text: str) -> list[str]:
    """The index terms of a text, in order (compound joins included)."""
    return [term.text for term in analyze(text)]


def phrase_parts(text: str) -> tuple[list[str], list[str]]:
    """All index terms of a text, and the terms that follow each other in it.

    The second list leaves out compound joins (they share a position with their
    first part), so it is what a phrase query must find in order.
    """
    found = list(analyze(text))
    ordered = [term.text for index, term in enumerate(found)
               if index + 1 == len(found) or found[index + 1].pos != term.pos]  # fmt: skip
    return [term.text for term in found], ordered


@lru_cache(maxsize=200_000)
def _spelling_terms(match: str) -> frozenset[str]:
    if _contraction(match) is not None:  # never the correction of a typo
        return frozenset()
    return frozenset(term.text for term in word_terms(match, False)[1]
                     if not _FRACTION.fullmatch(term.text))  # fmt: skip


def _number(term: str) -> bool:
    """True for a number's term: digits, or the digits after its dot (`dot5`)."""
    return term.isdigit() or _FRACTION.fullmatch(term) is not None


def spelling_words(text: str) -> set[str]:
    """The unstemmed words of a text that typo and prefix lookups offer (compound parts too).

    Each distinct token once, its words from a cache: counting every passage's words is
    a tenth of a build."""
    return set().union(*map(_spelling_terms, set(word_pattern(text).findall(text))))


def words(text: str) -> list[str]:
    """Lowercase, accent-folded, unstemmed words, compounds whole: the query side's units."""
    return [fold(word) for word in word_pattern(text).findall(text)]

