"""Acronyms and the words they stand for, as the talks themselves spell them out.

People type `PMF` or `GTM`; a speaker often says "product-market fit" or "go to market"
instead, and a search for the acronym alone would miss them. Speakers and note-takers
say both now and then ("you need solid PMF, product market fit"), so the words whose
initials spell an acronym, found a few words from it in a passage or note, are what it
stands for. Each talk's record keeps what its texts say (`acronyms`); the search side adds up
every talk's and searches the spelt-out words beside an acronym typed
(`indexer.search.acronyms`). What each video's passages say is kept with their digests
(`index/passages/acronyms.json`): an update reads that, not every transcript.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from indexer.core.analysis import fold, is_stop_word
from indexer.core.talks import Talk
from indexer.ingest.english import english_share
from indexer.ingest.fingerprint import code_fingerprint
from indexer.ingest.passage_cache import PassagesByVideo
from indexer.ingest.remembered import read_remembered, remember

FILE_NAME = "acronyms.json"
#: Changes when finding acronyms changes: every video is read again.
CODE = code_fingerprint("indexer.ingest.acronyms", "indexer.core.analysis")
#: Two letters spell too many runs of words by chance ("AI": "about it", "as I").
SHORTEST = 3
LONGEST = 6
#: An acronym about as common in English as a rare word is searched as typed: a word
#: (`plato`, `owl`, `gist`: "PLATO", "OWL" and "GIST" are spelt out in some talks), or
#: an acronym talks say as it is written (`CEO`, `MVP`, `API`). Far rarer ones (`PMF`,
#: `OKR`, `GTM`) are read only as acronyms.
COMMON_SHARE = 1e-6
#: Evidence that one spells out the other: the two a few words apart, or one in
#: brackets right after the other ("ideal customer profile (ICP)"), which says it outright.
SAID_TOGETHER = 1.0
BRACKETED = 2.0
#: A form with letters from stop words other than joiners ("like let me": LLM) is as
#: often chance as not: its evidence counts this much.
STOP_WORDS_SHARE = 0.5
#: Small words a spelt-out form may hold without a letter of their own ("objectives and
#: key results"), or with one ("go to market", "jobs to be done") unless `LETTERLESS`.
JOINERS = frozenset({"a", "an", "and", "as", "at", "be", "by", "for", "in", "of", "on", "or",
                     "the", "to", "with"})  # fmt: skip
LETTERLESS = frozenset({"a", "an", "and", "the", "with"})
#: Joiners in a row at most ("commission for the conservation": ICCAT).
MOST_JOINERS = 2
#: At most this many words between an acronym and its form: a run of words a passage
#: says a minute away spells an acronym's letters by chance ("could make sure": CMS).
NEAR = 6
#: Most spelt-out forms kept per talk: a bound on a hostile notes file.
MOST_PER_TALK = 64

_ACRONYM = re.compile(rf"(?<![\w'\u2019&./-])([A-Z]{{{SHORTEST},{LONGEST}}})(?:'?s)?"
                      r"(?![\w'\u2019&/-])")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")  # a contraction is one word
_PLURAL = re.compile(r"(?:['\u2019]?s)$")

#: acronym (lowercase) -> spelt-out form (lowercase words) -> evidence
Found = dict[str, dict[str, float]]


def found_in(text: str) -> Found:
    """The acronyms of a text that the same text spells out, with the evidence for each
    form (`SAID_TOGETHER`, or `BRACKETED`)."""
    acronyms = {match.group(1) for match in _ACRONYM.finditer(text)}
    if not acronyms:
        return {}
    words = list(_WORD.finditer(text))
    found: Found = {}
    for acronym in acronyms:
        at = [number for number, word in enumerate(words)
              if _PLURAL.sub("", word.group()) == acronym]  # fmt: skip
        for first, last, lettered in _spellings(acronym.lower(), words, _starts_near(at)):
            if not any(first - NEAR - 1 <= one <= last + NEAR + 1 for one in at):
                continue
            form = " ".join(match.group().lower() for match in words[first : last + 1])
            bracketed = _bracketed(text, acronym, words[first].start(), words[last].end())
            evidence = BRACKETED if bracketed else SAID_TOGETHER
            if any(_stop_word(words[number].group()) for number in lettered):
                evidence *= STOP_WORDS_SHARE
            kept = found.setdefault(acronym.lower(), {})
            kept[form] = max(kept.get(form, 0.0), evidence)
    return found


def _starts_near(at: list[int]) -> list[int]:
    """Where a form NEAR an acronym written at these words may begin: the text's other
    words are never read, so a long text costs in proportion to its length."""
    reach = NEAR + LONGEST * (MOST_JOINERS + 1)  # a form's words at most, past NEAR
    return sorted({first for one in at
                   for first in range(max(0, one - reach), one + NEAR + 2)})  # fmt: skip


def _spellings(acronym: str, words: list[re.Match[str]], starts: Iterable[int]
               ) -> Iterable[tuple[int, int, list[int]]]:  # fmt: skip
    """The runs of words beginning at `starts` (first and last index, and the words
    giving a letter) whose initials spell the acronym, small words between them allowed."""
    said = [match.group() for match in words]
    for first in starts:
        word = said[first] if first < len(said) else ""
        if not _starts(word, acronym[0]) or word.lower() in JOINERS:
            continue
        lettered, at = [first], first + 1
        while len(lettered) < len(acronym) and at < len(said):
            word = said[at]
            if _starts(word, acronym[len(lettered)]):
                lettered.append(at)
            elif word.lower() not in JOINERS or at - lettered[-1] > MOST_JOINERS:
                break
            at += 1
        last = at - 1
        if len(lettered) == len(acronym) and said[last].lower() not in JOINERS:
            yield first, last, lettered


def _stop_word(word: str) -> bool:
    """True for a stop word other than the joiners (`to` in "go to market")."""
    plain = fold(word).replace("'", "").replace("\u2019", "")
    return plain not in JOINERS and is_stop_word(plain)


def _starts(word: str, letter: str) -> bool:
    """True for a word that may stand for a letter: two letters or more, not a small
    word that never does (`LETTERLESS`), not itself in capitals (an acronym, or a text
    written in capitals)."""
    return (len(word) >= 2 and word[0].lower() == letter
            and not _PLURAL.sub("", word).isupper() and word.lower() not in LETTERLESS)  # fmt: skip


def _bracketed(text: str, acronym: str, start: int, end: int) -> bool:
    """True when the acronym stands in brackets right after the form ("ideal customer
    profile (ICP)"), or the form right after the acronym ("ICP (ideal customer profile)")."""
    written = re.escape(acronym) + r"(?:'?s)?"
    if re.match(r"\s*\(\s*" + written + r"\s*\)", text[end:]):
        return True
    return bool(re.search(written + r"\s*\(\s*$", text[max(0, start - LONGEST - 8) : start])
                and re.match(r"\s*\)", text[end:]))


def merged(found: Iterable[Found]) -> Found:
    """Several texts' findings as one: a form's evidence adds up over the texts."""
    total: Found = {}
    for one in found:
        for acronym, forms in one.items():
            kept = total.setdefault(acronym, {})
            for form, evidence in forms.items():
                kept[form] = kept.get(form, 0) + evidence
    return total


def acronyms_said(talks: Sequence[Talk], passages: PassagesByVideo, digests: dict[str, str],
                    folder: Path) -> dict[str, Found]:  # fmt: skip
    """Per talk (by id), the acronyms its notes and passages spell out, without those as
    common as English words; reading again only the videos whose passages changed since
    (`folder`: where each video's findings are kept)."""
    last = read_remembered(folder / FILE_NAME, CODE, "videos")
    kept: dict[str, list] = {}
    spelt: dict[str, Found] = {}
    for talk in talks:
        found = [found_in(text) for text in (talk.title, talk.description,
                                             *(note.text for note in talk.notes))]  # fmt: skip
        for video in talk.videos:
            video_id = video.video_id
            if video_id not in kept and passages.count_of(video_id):
                digest = digests.get(video_id, "")
                remembered = last.get(video_id)
                if isinstance(remembered, list) and len(remembered) == 2 and (
                        remembered[0] == digest):
                    kept[video_id] = remembered
                else:
                    said = merged(found_in(passage.text) for passage in passages.peek(video_id))
                    kept[video_id] = [digest, said]
            if video_id in kept:
                found.append(kept[video_id][1])
        uncommon = _uncommon(merged(found))
        if uncommon:
            spelt[talk.id] = uncommon
    if kept != last:  # else the next update reads them again
        remember(folder / FILE_NAME, CODE, "videos", kept)
    return spelt


def _uncommon(found: Found) -> Found:
    """Without acronyms as common as English words; at most MOST_PER_TALK forms, the
    best evidenced first."""
    forms = sorted(((evidence, acronym, form) for acronym, said in found.items()
                    if english_share(acronym) < COMMON_SHARE
                    for form, evidence in said.items()), reverse=True)[:MOST_PER_TALK]  # fmt: skip
    kept: Found = {}
    for evidence, acronym, form in sorted(forms, key=lambda one: (one[1], one[2])):
        kept.setdefault(acronym, {})[form] = evidence
    return kept
