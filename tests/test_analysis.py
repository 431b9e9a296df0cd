import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT
from whoosh.filedb.filestore import RamStorage
from whoosh.support.charset import accent_map

from indexer.core.analysis import (
    WORD,
    analyze,
    fold,
    is_stop_word,
    name_forms,
    name_positions,
    phrase_parts,
    spelling_words,
    stem,
    term_positions,
    terms,
    unmarked,
    word_pattern,
    words,
)
from indexer.engines.whoosh.analyzer import ANALYZER
from indexer.engines.whoosh.schema import PackedPositions, make_schema


def test_compounds_are_findable_whole_and_in_parts():
    assert terms("re:Invent") == ["reinvent", "re", "invent"]
    assert terms("event-driven") == ["eventdriven", "event", "driven"]
    assert terms("Amazon.com") == ["amazoncom", "amazon", "com"]
    assert terms("CI/CD") == ["cicd", "ci", "cd"]


def test_short_technical_terms_and_possessives():
    assert terms("S3 EC2") == ["s3", "ec2"]
    assert terms("Gall's law") == ["gall", "law"]
    assert terms("Gall\u2019s") == ["gall"]
    assert terms("don't") == ["dont"]


def test_symbols_that_make_a_word_another_are_spelt_out():
    """`c#` must not find every `c`, nor `.net` every net: the symbols are part of the word,
    spelt out so that every engine's tokenizer keeps them."""
    assert terms("C++ and C# on .NET") == ["cplusplus", "and", "csharp", "on", "dotnet"]
    assert terms("C++'s F#\u2019s") == ["cplusplus", "fsharp"]
    assert terms("the .com era, .NET-based") == [
        "the", "dotcom", "era", "dotnetbas", "dotnet", "base"]  # fmt: skip
    text = "use C++ and .NET"
    assert [text[t.start : t.end] for t in analyze(text)] == ["use", "C++", "and", ".NET"]
    assert words("C# .NET") == ["c#", ".net"]


def test_a_soft_hyphen_inside_a_word_is_no_break():
    """Text copied from web pages carries soft hyphens where a word may break."""
    text = "on Kuber\u00adnetes and \u00adsoft\u00ad"
    assert terms(text) == ["on", "kubernet", "and", "soft"]
    assert [text[t.start : t.end] for t in analyze(text)][1] == "Kuber\u00adnetes"


@pytest.mark.parametrize(("text", "expected"), [
    ("ASP.NET", ["aspnet", "asp", "net"]), ("so...and", ["so", "and"]), (".5 s", ["5", "s"]),
    ("a .5", ["a", "5"]), ("#1 hit", ["1", "hit"]), ("issue#42", ["issu", "42"]),
    ("a+b", ["a", "b"]), ("C ++", ["c"]), ("x. net", ["x", "net"]),
])  # fmt: skip
def test_symbols_elsewhere_are_not_part_of_a_word(text, expected):
    assert terms(text) == expected


def test_lowercase_accents_and_snowball_stems():
    assert terms("Mélenchon CAFÉ") == ["melenchon", "cafe"]
    assert terms("running runs architectures") == ["run", "run", "architectur"]
    assert stem("generously") == "generous"


def test_positions_keep_compound_parts_in_order_for_phrases():
    tokens = [(t.text, t.pos) for t in analyze("the event-driven way")]
    assert tokens == [("the", 0), ("eventdriven", 1), ("event", 1), ("driven", 2), ("way", 3)]
    assert phrase_parts("the event-driven way")[1] == ["the", "event", "driven", "way"]


def test_character_offsets_point_at_the_words():
    text = "see re:Invent now"
    spans = [(t.text, text[t.start : t.end]) for t in analyze(text)]
    assert ("invent", "Invent") in spans and ("re", "re") in spans


def test_stop_words_come_from_the_shipped_list():
    assert is_stop_word("the") and is_stop_word("dont")
    assert not is_stop_word("lambda")


def test_no_nltk_data_is_needed(tmp_path):
    code = "from indexer.core.analysis import terms; print(terms('Running serverless workloads'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"NLTK_DATA": str(tmp_path), "PATH": "", "HOME": str(tmp_path)},
    )
    assert result.stdout.strip() == "['run', 'serverless', 'workload']"


def test_accents_fold_as_the_previous_whoosh_analyzer_did_for_single_letters():
    """Indexes built with Whoosh's accent map find the same words; the few letters that
    fold to two (ß, æ, þ…) or that its table missed are the deliberate differences."""
    same = 0
    for point in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        letter = chr(point)
        if letter != letter.lower():
            continue
        before, now = letter.translate(accent_map), fold(letter)
        if before != now:
            assert len(now) == 2 or before == letter or now == letter, letter
        else:
            same += 1
    assert same > 300
    assert fold("Straße Œuvre Łódź Þór Ørsted") == "strasse oeuvre lodz thor orsted"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcéR's-:./ \u20191\n"), max_size=50))
def test_spelling_words_are_the_analyzer_without_its_stemmer(text):
    expected = {token.text for token in ANALYZER(text, no_morph=True)}
    assert expected == {term.text for term in analyze(text, stemmed=False)}
    fractions = {word for word in expected if re.fullmatch(r"dot\d+", word)}  # `1.1`
    assert spelling_words(text) == expected - fractions


_TRICKY = st.text(alphabet=st.sampled_from("abcéR's-:./ \u2019\u0301ǅ1_\n+#\u00ad,"),
                  max_size=60)
_PIECES = st.lists(
    st.one_of(_TRICKY, st.sampled_from(["re:Invent", "Gall's", "U.S.A.", "event-driven",
                                        "C++", ".NET", "C#'s", "...and", "10,000,",
                                        "1,000,000", "2.5", "9/11", "1,0000"])),
    max_size=6,
)


@settings(max_examples=500, deadline=None)
@given(_PIECES)
def test_the_tokenizer_chosen_for_a_text_finds_what_the_whole_pattern_finds(pieces):
    """The fast path: a text where no dot leads a word is read without that branch."""
    text = " ".join(pieces)
    assert [(m.start(), m.group()) for m in word_pattern(text).finditer(text)] == [
        (m.start(), m.group()) for m in re.finditer(WORD, text)]  # fmt: skip


def test_a_text_where_a_dot_leads_a_word_is_read_by_the_whole_pattern():
    assert word_pattern("we use .NET").findall("we use .NET") == ["we", "use", ".NET"]
    assert word_pattern("so...and v1.2 .5").pattern != WORD  # no dot leads a word here


def test_a_number_grouped_by_commas_is_one_number_and_digits_are_never_joined():
    """`10,000` is what people also type as `10000`; `2.5` is not 25, `9/11` not 911; the
    digits after a dot are a fraction (`1.3%` holds no 3, `2.5 million` no 5 million)."""
    assert terms("10,000 hours, 1,000,000 users, 10,000, and") == [
        "10000", "hour", "1000000", "user", "10000", "and"]  # fmt: skip
    assert terms("1,2,3 and 10,0000 and 1,000.50") == [
        "1", "2", "3", "and", "10", "0000", "and", "1000", "50"]  # fmt: skip
    assert phrase_parts("2.5 million at 10:30 after 9/11") == (
        ["2", "dot5", "million", "at", "10", "30", "after", "9", "11"],) * 2
    assert terms("1.3% of v1.2.3 and 3.11, GPT-3.5") == [
        "1", "dot3", "of", "v123", "v1", "2", "dot3", "and", "3", "dot11",
        "gpt35", "gpt", "3", "dot5"]  # fmt: skip
    assert spelling_words("1.3% of 3.11") == {"1", "3", "of"}  # no typo is corrected to dot3
    assert terms("covid-19 v2.0") == ["covid19", "covid", "19", "v20", "v2", "0"]
    assert word_pattern("we had 10,000 users").pattern != WORD  # no dot leads a word
    assert word_pattern("we had 10000 users").findall("we had 10000 users") == [
        "we", "had", "10000", "users"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_PIECES)
def test_indexed_terms_and_positions_are_what_the_analyzer_gives(pieces):
    """The indexing fast path must write exactly the postings Whoosh's own path would."""
    text = " ".join(pieces)
    through_chain = TEXT(analyzer=ANALYZER, phrase=True)
    through_chain.format = PackedPositions()  # positions written as the index writes them
    assert sorted(make_schema()["transcript"].index(text)) == sorted(through_chain.index(text))


@settings(max_examples=200, deadline=None)
@given(_PIECES)
def test_a_names_forms_are_indexed_beside_its_terms_without_lengthening_it(pieces):
    """A name field holds the text's terms as any text field does, and its words as
    written at their positions; BM25 reads a field's length as the sum of the
    frequencies indexed, which the forms leave as the words make it."""
    text = " ".join(pieces)
    schema = make_schema()
    plain = {term: freq for term, freq, _, _ in schema["transcript"].index(text)}
    named = {term: (freq, weight) for term, freq, weight, _ in schema["speaker"].index(text)}
    assert sum(freq for freq, _ in named.values()) == sum(plain.values())
    assert set(named) == set(plain) | {form.text.encode() for form in name_forms(text)}
    positions = name_positions(text)
    assert all(weight == len(positions[term.decode()]) for term, (_, weight) in named.items())


def test_a_speakers_length_in_the_index_is_the_words_of_the_name():
    index = RamStorage().create_index(make_schema())
    with index.writer() as writer:
        writer.add_document(doc_id="talk:a", kind="talk", speaker="Molly Stevens")
        writer.add_document(doc_id="talk:b", kind="talk", speaker="Adam Grant")
    with index.searcher() as searcher:
        reader = searcher.reader()
        assert [reader.doc_field_length(docnum, "speaker") for docnum in (0, 1)] == [2, 2]
        assert [searcher.document_number(speaker=term) for term in ("stevens", "adam0")] == [0, 1]


def _plain_terms(text: str) -> list[tuple[str, int, int, int]]:
    """The analyzer written plainly, token after token with no cache: the oracle."""
    found, position = [], 0
    for match in re.finditer(WORD, text):
        raw, begin = match.group(), match.start()
        end = len(raw) - 2 if re.search(r"['\u2019]s$", raw, re.I) else len(raw)
        parts = [(re.sub("['\u2019\u00ad,]", "", p.group()), p.start(), p.end())
                 for p in re.finditer(r"[^-.:/]+", raw[:end])]  # fmt: skip
        parts = [part for part in parts if part[0]]
        if parts and raw.startswith("."):  # spelt out: a leading dot, a `++` or `#` ending
            parts[0] = ("dot" + parts[0][0], 0, parts[0][2])
        if parts and parts[-1][0].endswith("++"):
            parts[-1] = (parts[-1][0][:-2] + "plusplus", *parts[-1][1:])
        if parts and parts[-1][0].endswith("#"):
            parts[-1] = (parts[-1][0][:-1] + "sharp", *parts[-1][1:])
        norm = [stem(fold(part)) for part, _, _ in parts]
        for at in range(1, len(parts)):  # digits after a dot after digits: a fraction
            if parts[at][0].isdigit() and parts[at - 1][0].isdigit() and raw[parts[at][1] - 1] == ".":
                norm[at] = "dot" + norm[at]
        if len(parts) > 1:
            if not all(part.isdigit() for part, _, _ in parts):  # digits are never joined
                joined = stem(fold("".join(part for part, _, _ in parts)))
                found.append((joined, position, begin, begin + end))
            for offset, ((_, start, stop), term) in enumerate(zip(parts, norm, strict=True)):
                found.append((term, position + offset, begin + start, begin + stop))
            position += len(parts)
        else:
            found.append((norm[0], position, begin, begin + end))
            position += 1
    return found


@settings(max_examples=300, deadline=None)
@given(_PIECES)
def test_cached_analysis_equals_the_plain_analyzer(pieces):
    text = " ".join(pieces)
    assert [tuple(term) for term in analyze(text)] == _plain_terms(text)
    positions: dict[str, list[int]] = {}
    for term, pos, _, _ in _plain_terms(text):
        positions.setdefault(term, []).append(pos)
    assert term_positions(text) == positions


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcéRÉß 1_\n\u0301"), max_size=60))
def test_query_words_are_the_analyzer_before_stemming(text):
    """Without compounds or apostrophes, a query word stems to the index term."""
    assert [stem(word) for word in words(text)] == terms(text)



@pytest.mark.parametrize(("contraction", "word"), [
    ("she'll", "shell"), ("he'll", "hell"), ("we'll", "well"), ("I'll", "ill"),
    ("I'd", "ID"), ("she'd", "shed"), ("we'd", "wed"), ("we're", "were"),
])  # fmt: skip
def test_a_contraction_is_not_the_word_it_spells_without_its_apostrophe(contraction, word):
    """Apostrophes are dropped inside words, but `she'll` is no "shell": its own term,
    curly apostrophe or straight, never offered as a typo's correction nor a name."""
    assert terms(contraction) != terms(word)
    assert terms(contraction.upper().replace("'", "\u2019")) == terms(contraction)
    assert spelling_words(f"{contraction} now") == {"now"}
    assert [form.text for form in name_forms(contraction)] == []


def test_other_contractions_still_match_as_people_type_them():
    assert terms("don't can't it's") == terms("dont cant it")

@pytest.mark.parametrize(("one", "other"), [
    ("experiments", "experience"), ("university", "universe"), ("general", "generous"),
    ("organization", "organ"), ("news", "new"), ("policy", "police"), ("business", "busy"),
    ("engineering", "engine"), ("important", "imports"), ("relatively", "related"),
    ("international", "internal"), ("animation", "animals"), ("authority", "author"),
    ("organism", "organisation"), ("quite", "quit"), ("severe", "several"),
    ("positive", "position"), ("conversion", "conversation"), ("apartment", "apart"),
    ("evening", "even"), ("willing", "will"), ("illness", "ill"), ("beings", "be"),
    ("united", "units"), ("hardly", "hard"), ("nearly", "near"), ("likely", "like"),
    ("meaning", "mean"), ("wonderful", "wonder"), ("actually", "actual"),
    ("basically", "basic"), ("definition", "definitely"), ("probability", "probably"),
    ("productivity", "product"), ("production", "products"), ("founded", "found"),
    ("founded", "founder"),
    ("added", "ads"), ("address", "add"), ("additional", "adding"),
    ("meeting", "meet"), ("meetings", "meets"), ("marketing", "market"), ("marketers", "markets"),
])  # fmt: skip
def test_words_of_different_meaning_keep_different_stems(one, other):
    assert stem(one) != stem(other)


@pytest.mark.parametrize("forms", [
    ("experiment", "experiments", "experimenting", "experimental"),
    ("experience", "experiences", "experienced"), ("university", "universities"),
    ("organization", "organizations", "organize", "organized", "organise", "organisation"),
    ("business", "businesses"),
    ("engineer", "engineers", "engineering"), ("important", "importance"),
    ("quit", "quits", "quitting"), ("severe", "severely", "severity"),
    ("positive", "positively", "positivity"), ("position", "positions", "positioning"),
    ("evening", "evenings"), ("willing", "willingness"), ("illness", "illnesses"),
    ("being", "beings"), ("unite", "united", "unites"), ("unit", "units"),
    ("likely", "likelihood"), ("meaning", "meanings", "meaningful"),
    ("productive", "productivity"), ("founded", "founding"), ("founder", "founders"),
    ("add", "adds", "added", "adding"), ("ad", "ads"),
    ("meeting", "meetings"), ("meet", "meets"),
    ("marketing", "marketer", "marketers"), ("market", "markets", "marketed"),
])  # fmt: skip
def test_forms_of_one_word_still_share_a_stem(forms):
    assert len({stem(form) for form in forms}) == 1


def _stem_by_scanning(word: str) -> str:
    """The plain version of `stem`: every split stem tried in turn."""
    from indexer.core.analysis import _SAME_STEM, _SPLIT_STEMS, _snowball

    found = str(_snowball().stem(word))
    for joined, beginnings in _SPLIT_STEMS.items():
        if found.startswith(joined):
            for beginning in beginnings:
                if word.startswith(beginning):
                    return _SAME_STEM.get(beginning, beginning)
    return found


def test_split_stems_looked_up_by_length_equal_trying_each():
    from indexer.core.analysis import _SPLIT_STEMS

    joined = list(_SPLIT_STEMS)
    assert not [(a, b) for a in joined for b in joined if a != b and b.startswith(a)]
    samples = [beginning + ending for beginnings in _SPLIT_STEMS.values()
               for beginning in beginnings for ending in ("", "s", "al", "ally", "ing", "ed")]
    samples += [root + ending for root in joined for ending in ("", "e", "es", "ing", "y")]
    samples += ["busy", "business", "organ", "organs", "internals", "relate", "relatives", "an",
                "a", "experiment"]  # fmt: skip
    for word in samples:
        assert stem(word) == _stem_by_scanning(word), word


def test_every_word_of_the_real_transcripts_stems_as_when_trying_each_split(corpus):
    import gzip
    import json
    import re

    with gzip.open(corpus / "ted" / "transcripts.json.gz", "rt", encoding="utf-8") as handle:
        talks = json.load(handle)
    found = {word for snippets in talks.values()
             for word in re.findall(r"[a-z]+", " ".join(s["text"] for s in snippets).lower())}  # fmt: skip
    assert len(found) > 10_000
    assert [w for w in found if stem(w) != _stem_by_scanning(w)] == []


def test_a_name_keeps_its_words_as_written_beside_their_terms():
    assert [form.text for form in name_forms("Molly Stevens")] == ["molly", "stevens"]
    # words that are their own stem are marked, else `adam` would be the term of `adams`
    assert [form.text for form in name_forms("Steven Johnson")] == ["steven0", "johnson0"]
    assert [form.text for form in name_forms("Paul Kemp-Robertsons")] == [
        "paul0", "kemprobertsons", "kemp0", "robertsons"]  # fmt: skip
    assert name_positions("Brian Greene") == {"brian": [0], "green": [1],
                                              "brian0": [0], "greene": [1]}  # fmt: skip
    assert name_positions("Serena Williams and Gayle King") == {
        **term_positions("Serena Williams and Gayle King"),
        "serena0": [0], "williams": [1], "and0": [2], "gayle": [3], "king0": [4]}  # fmt: skip
    assert [unmarked(form) for form in ("adam0", "adams", "molly", "steven0")] == [
        "adam", "adams", "molly", "steven"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(_PIECES)
def test_name_forms_only_add_to_a_names_terms_at_their_words_positions(pieces):
    text = " ".join(pieces)
    plain, named = term_positions(text), name_positions(text)
    assert all(set(positions) <= set(named[term]) for term, positions in plain.items())
    spelled = {form.text for form in name_forms(text)}
    assert {unmarked(form) for form in spelled} <= spelling_words(text)
    assert set(named) == set(plain) | spelled
    marked = {form for form in spelled if unmarked(form) != form}
    assert not marked & set(plain)  # a marked word never passes for one of the name's terms
