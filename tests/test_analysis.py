import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.fields import TEXT
from whoosh.support.charset import accent_map

from indexer.analysis import (
    ANALYZER,
    WORD,
    is_stop_word,
    phrase_parts,
    spelling_words,
    stem,
    terms,
    words,
)
from indexer.schema import make_schema


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


def test_lowercase_accents_and_snowball_stems():
    assert terms("Mélenchon CAFÉ") == ["melenchon", "cafe"]
    assert terms("running runs architectures") == ["run", "run", "architectur"]
    assert stem("generously") == "generous"


def test_positions_keep_compound_parts_in_order_for_phrases():
    tokens = [(t.text, t.pos) for t in ANALYZER("the event-driven way", positions=True)]
    assert tokens == [("the", 0), ("eventdriven", 1), ("event", 1), ("driven", 2), ("way", 3)]
    assert phrase_parts("the event-driven way")[1] == ["the", "event", "driven", "way"]


def test_character_offsets_point_at_the_words():
    text = "see re:Invent now"
    spans = [(t.text, text[t.startchar : t.endchar]) for t in ANALYZER(text, chars=True)]
    assert ("invent", "Invent") in spans and ("re", "re") in spans


def test_stop_words_come_from_the_shipped_list():
    assert is_stop_word("the") and is_stop_word("dont")
    assert not is_stop_word("lambda")


def test_no_nltk_data_is_needed(tmp_path):
    code = "from indexer.analysis import terms; print(terms('Running serverless workloads'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"NLTK_DATA": str(tmp_path), "PATH": "", "HOME": str(tmp_path)},
    )
    assert result.stdout.strip() == "['run', 'serverless', 'workload']"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcéR's-:./ \u20191\n"), max_size=50))
def test_spelling_words_are_the_analyzer_without_its_stemmer(text):
    expected = {token.text for token in ANALYZER(text, no_morph=True)}
    assert spelling_words(text) == expected


_TRICKY = st.text(alphabet=st.sampled_from("abcéR's-:./ \u2019\u0301ǅ1_\n"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(_TRICKY, st.sampled_from(["re:Invent", "Gall's", "U.S.A.", "event-driven"])),
        max_size=6,
    )
)
def test_indexed_terms_and_positions_are_what_the_analyzer_gives(pieces):
    """The indexing fast path must write exactly the postings Whoosh's own chain would."""
    text = " ".join(pieces)
    through_chain = TEXT(analyzer=ANALYZER, phrase=True)
    assert sorted(make_schema()["transcript"].index(text)) == sorted(through_chain.index(text))


@settings(max_examples=200, deadline=None)
@given(_TRICKY)
def test_query_words_are_the_analyzer_without_compounds_or_stems(text):
    chain = RegexTokenizer(WORD) | LowercaseFilter() | CharsetFilter(accent_map)
    assert words(text) == [token.text for token in chain(text)]
