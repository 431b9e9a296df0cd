import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.search.query import MAX_CLAUSES, Clause, parse_query, respelt, unparse


def groups(text):
    return [[str(clause) for clause in group] for group in parse_query(text).groups]


def test_words_are_and_ed_and_stop_words_dropped():
    assert groups("the ENA Express") == [["ena"], ["express"]]
    assert groups("the and of") == [["the"], ["and"], ["of"]]  # nothing else left: keep them


def test_phrases_keep_stop_words():
    assert groups('"and then it was" cold') == [['"and then it was"'], ["cold"]]


@pytest.mark.parametrize(("typed", "together"), [
    ("jobs to be done", ["jobs to be done"]),
    ("series a", ["series a"]),  # a stop word left out of the groups stays in the run
    ("machine", []),
    ('"x y" north star metric -foo bar baz', ["north star metric", "bar baz"]),
    ("a b OR c d e", ["d e"]),  # b and c are choices, not words typed together
    ("speaker:vogels event driven", ["event driven"]),
    ("learn* deep learning NOT x y z", ["deep learning", "y z"]),
    ("re:Invent keynote", ["re:Invent keynote"]),
])  # fmt: skip
def test_plain_words_typed_side_by_side_are_kept_as_runs(typed, together):
    assert parse_query(typed).together == together


def test_a_run_is_no_longer_than_the_words_a_query_searches():
    pasted = " ".join(f"word{number}" for number in range(3 * MAX_CLAUSES))
    assert parse_query(pasted).together == [" ".join(pasted.split()[:MAX_CLAUSES])]


def test_or_not_minus_and_prefix():
    query = parse_query("lambda OR fargate -ec2 NOT kubernetes architect*")
    assert [[str(c) for c in g] for g in query.groups] == [["lambda", "fargate"], ["architect*"]]
    assert [str(c) for c in query.excluded] == ["ec2", "kubernetes"]
    assert parse_query('-"cold start" lambda').excluded == [Clause("phrase", "cold start")]


def test_field_filters_and_scopes():
    query = parse_query('speaker:vogels event:"re:Invent 2022" video:R11YgBEZzqE in:notes pipes')
    assert query.filters == {
        "speaker": ["vogels"],
        "event": ["re:Invent 2022"],
        "video": ["R11YgBEZzqE"],
    }
    assert query.scope == "notes"
    assert parse_query("in:transcript x").scope == "transcript"
    assert parse_query("section:keynotes title:lambda").filters == {
        "section": ["keynotes"],
        "title": ["lambda"],
    }


def test_colon_words_that_are_not_fields_stay_words():
    assert groups("re:Invent Gall's law") == [["re:invent"], ["gall's"], ["law"]]
    assert groups("foo:bar") == [["foo:bar"]]
    assert groups("in:nowhere lambda") == [["lambda"]]  # a scope that is not one: said


def test_broken_syntax_reads_as_plain_words():
    assert groups('unmatched "quote marks') == [["unmatched"], ["quote"], ["marks"]]
    assert groups("(lambda OR) AND (") == [["lambda"]]
    assert groups("OR lambda") == [["lambda"]]
    assert groups("NOT") == [] and groups("-") == [] and groups("*") == [] and groups('""') == []
    assert groups("a*") == [["a"]]  # a one-letter prefix would match everything: the word "a"
    assert parse_query("speaker:").filters == {}


def test_many_clauses_are_capped():
    assert len(parse_query(" ".join(f"word{i}" for i in range(100))).groups) == 16


def test_unparse_round_trips():
    text = 'lambda OR fargate "cold start" -ec2 speaker:vogels in:notes'
    assert (
        unparse(parse_query(text)) == 'lambda OR fargate "cold start" -ec2 speaker:vogels in:notes'
    )


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_text_parses(text):
    query = parse_query(text)
    assert len(query.groups) <= 16
    unparse(query)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "(",
                ")",
                "-",
                "*",
                "OR",
                "NOT",
                "AND",
                ":",
                "speaker:",
                "in:",
                "in:notes",
                "video:",
                "word",
                "the",
                "re:Invent",
                " ",
            ]
        ),
        max_size=30,
    )
)
def test_operator_soup_parses(parts):
    parse_query(" ".join(parts))
    parse_query("".join(parts))


def test_the_cost_of_a_query_is_capped():
    many_or = parse_query(" OR ".join(f"w{n}*" for n in range(200)))
    assert sum(len(group) for group in many_or.groups) == MAX_CLAUSES
    many_and = parse_query(" ".join(f"word{n}" for n in range(200)))
    assert len(many_and.groups) == MAX_CLAUSES
    filters = parse_query(" ".join(f"speaker:s{n} event:e{n}" for n in range(100)))
    assert sum(len(values) for values in filters.filters.values()) == MAX_CLAUSES
    negated = parse_query(" ".join(f"-n{n}" for n in range(100)) + " x")
    assert len(negated.excluded) == MAX_CLAUSES


def test_repeated_clauses_groups_exclusions_and_filters_count_once():
    phrase = '"the the the the the the the"'
    query = parse_query(" ".join([phrase] * 16))
    assert query.groups == [[Clause("phrase", "the the the the the the the")]]
    query = parse_query("lambda lambda OR lambda cold -java -java speaker:a speaker:a")
    assert query.groups == [[Clause("word", "lambda")], [Clause("word", "cold")]]
    assert query.excluded == [Clause("word", "java")] and query.filters == {"speaker": ["a"]}
    assert parse_query("cold OR lambda lambda OR cold").groups == [
        [Clause("word", "cold"), Clause("word", "lambda")]
    ]


def test_date_filters():
    query = parse_query("growth year:2023 after:2023-06 before:2024-01-15")
    assert query.filters == {"year": ["2023"], "after": ["2023-06"], "before": ["2024-01-15"]}
    assert query.groups == [[Clause("word", "growth")]]
    odd = parse_query("year:23 after:soon before:2024-13 growth")
    assert odd.filters == {} and odd.groups == [[Clause("word", "growth")]]
    assert odd.notices == [  # not dates: left out, and said (as words they would fail the rest)
        "year:23 left out: not a date (year: takes a year, like 2023)",
        "after:soon left out: not a date (after: takes a year, a month or a day, like 2023-06)",
        "before:2024-13 left out: not a date "
        "(before: takes a year, a month or a day, like 2023-06)",
    ]
    assert parse_query("year:2023-06").notices[0].startswith("year:2023-06 left out")
    assert len(parse_query("after:soon x after:soon").notices) == 1


def test_negated_filters_leave_talks_out():
    query = parse_query('growth -speaker:vogels NOT event:"re:Invent" -year:2023 speaker:jassy')
    assert query.filters == {"speaker": ["jassy"]}
    assert query.excluded_filters == {"speaker": ["vogels"], "event": ["re:Invent"],
                                      "year": ["2023"]}  # fmt: skip
    assert query.groups == [[Clause("word", "growth")]] and not query.notices
    assert unparse(query) == 'growth speaker:jassy -speaker:vogels -event:re:Invent -year:2023'
    assert not parse_query("-speaker:vogels").is_empty


def test_a_negated_scope_is_left_out_and_said():
    query = parse_query("-in:notes wire")
    assert query.scope is None and query.groups == [[Clause("word", "wire")]]
    assert query.notices == ["-in:notes left out: a search can be limited to notes or to "
                             "transcripts, not leave one out"]  # fmt: skip
    assert parse_query("NOT in:notes wire").notices == query.notices


def test_an_unknown_scope_is_left_out_and_said():
    """`in:title` is not a scope: read as words it would look for "title" too."""
    query = parse_query("in:title sleep")
    assert query.groups == [[Clause("word", "sleep")]] and query.scope is None
    assert query.notices == ["in:title left out: a search can be limited to your notes "
                             "(in:notes) or to transcripts (in:transcript); title:WORD keeps "
                             "the talks whose title has the word"]  # fmt: skip
    assert parse_query("in:slides sleep").notices[0].endswith("(in:transcript)")
    assert parse_query("In:Notes sleep").scope == "notes"


@pytest.mark.parametrize(("typed", "said"), [
    ("-climate", "a -word only leaves out what has it"),
    ("NOT climate -\"sea level\"", "a -word only leaves out what has it"),
    ("in:notes", "add the words to find in:notes"),
    ("*", "a prefix needs 2 letters before *"),
    ("OR", "type a word"), ("- ( )", "type a word"), ('""', "type a word"),
])  # fmt: skip
def test_a_query_with_nothing_to_look_for_says_so(typed, said):
    query = parse_query(typed)
    assert query.is_empty
    [notice] = query.notices
    assert notice.startswith("nothing to look for: ") and said in notice


@pytest.mark.parametrize("typed", ["", "   ", "speaker:vogels", "-speaker:vogels", "the", "a*"])
def test_a_query_with_something_to_look_for_has_no_such_notice(typed):
    assert not any("nothing to look for" in notice for notice in parse_query(typed).notices)


@pytest.mark.parametrize(("typed", "prefix", "word"), [
    ("a*", "a*", "a"), ("wire x**", "x**", "x"), ("wire -Q*", "Q*", "q")])  # fmt: skip
def test_a_prefix_too_short_to_be_one_is_read_as_a_word_and_says_so(typed, prefix, word):
    query = parse_query(typed)
    assert query.notices == [f"{prefix} read as the word {word}: a prefix needs 2 letters before *"]
    clauses = [clause for group in query.groups for clause in group] + query.excluded
    assert Clause("word", word) in clauses and not any(c.kind == "prefix" for c in clauses)


def test_a_short_prefix_left_out_with_the_stop_words_says_so():
    query = parse_query("wire a* a*")
    assert query.groups == [[Clause("word", "wire")]]
    assert query.notices == ["a* left out: a prefix needs 2 letters before *, "
                             "and the word a is too common to look for"]
    assert parse_query("a*").groups == [[Clause("word", "a")]]  # nothing else: searched


def test_a_capped_query_says_so():
    assert parse_query(" ".join(f"word{i}" for i in range(16))).notices == []
    assert "first 16 words" in parse_query(" ".join(f"w{i}" for i in range(17))).notices[0]
    many_filters = " ".join(f"-speaker:s{i}" for i in range(20))
    capped = parse_query(f"x {many_filters}")
    assert sum(map(len, capped.excluded_filters.values())) == 16 and capped.notices


@pytest.mark.parametrize(("typed", "replacements", "respelt_as"), [
    ("will guidra", {"guidra": "guidara"}, "will guidara"),  # the stop word stays
    ("Will Guidra", {"guidra": "guidara"}, "Will Guidara"),
    ("NANOSECNOD wire", {"nanosecnod": "nanosecond"}, "NANOSECOND wire"),
    ('storms -speaker:lnid year:2023', {"lnid": "lind"}, 'storms -speaker:lind year:2023'),
    ('speaker:"cara lnid" "exact words"', {"lnid": "lind"}, 'speaker:"cara lind" "exact words"'),
    ("product-markt fit", {"product-markt": "product-market"}, "product-market fit"),
    ("Mélenchn", {"melenchn": "melenchon"}, "Melenchon"),
])  # fmt: skip
def test_a_correction_is_shown_in_the_query_as_typed(typed, replacements, respelt_as):
    assert respelt(typed, replacements) == respelt_as


@pytest.mark.parametrize(("typed", "left_out", "kept", "together"), [
    ("ted talk about octopus camouflage", "ted talk about", [["octopus"], ["camouflage"]],
     ["octopus camouflage"]),
    ("The TEDx talks on Octopus", "The TEDx talks on", [["octopus"]], []),
    ("a talk where she explains pricing", "a talk where she", [["explains"], ["pricing"]],
     ["explains pricing"]),
    ("podcast episode about burnout", "podcast episode about", [["burnout"]], []),
    ("interview with marty cagan", "interview with", [["marty"], ["cagan"]], ["marty cagan"]),
    ("octopus camouflage TED talk", "ted talk", [["octopus"], ["camouflage"]],
     ["octopus camouflage"]),
    ("pricing podcast episodes", "podcast episodes", [["pricing"]], []),
])  # fmt: skip
def test_leading_words_saying_a_talk_is_sought_are_left_out_and_said(
    typed, left_out, kept, together
):
    """Every result is a talk: requiring "talk" or "episode" would only lose the talks
    that never happen to say it."""
    query = parse_query(typed)
    assert groups(typed) == kept
    assert query.together == together
    left = len(left_out.split())
    leads = typed.lower().startswith(left_out.lower())
    kept_text = typed.split()[left:] if leads else typed.split()[:-left]
    assert query.free_text == " ".join(kept_text)
    assert query.notices == [f"“{left_out.lower()}” left out: every result is a talk (put "
                             "words in quotes to search for them)"]


@pytest.mark.parametrize("typed", [
    "ted talk", "the episode", "a talk about",  # nothing said of the talk: the words are it
    "talk about feelings", "how to talk about feelings", "talks on pricing",  # verbs too
    "small talk", "video game design", "octopus talk",
    '"ted talk" about octopus', "ted OR talk about octopus", 'octopus "ted talk"',
    "the ted talk",
])  # fmt: skip
def test_words_naming_a_talk_are_searched_when_they_may_be_what_is_sought(typed):
    query = parse_query(typed)
    assert not query.notices
    searched = {word for group in query.groups for clause in group for word in clause.text.split()}
    assert searched & {"ted", "talk", "talks", "episode", "video"}


@pytest.mark.parametrize(("typed", "kept", "together"), [
    ("okrs vs kpis", [["okrs"], ["kpis"]], ["okrs versus kpis"]),
    ("OKRs vs. KPIs", [["okrs"], ["kpis"]], ["okrs versus kpis"]),
    ("build versus buy", [["build"], ["buy"]], ["build versus buy"]),
    ("cursor vs vs code", [["cursor"], ["code"]], ["cursor versus vs code"]),
])  # fmt: skip
def test_a_word_between_two_things_compared_is_not_required(typed, kept, together):
    """Talks weigh OKRs against KPIs without saying "vs": both sides are what is sought,
    and the run typed is said with "versus", as captions spell it."""
    query = parse_query(typed)
    assert groups(typed) == kept
    assert query.together == together
    assert query.free_text == typed and not query.notices


@pytest.mark.parametrize("typed", ["vs code", "okrs vs", "vs", '"build vs buy"', "okrs -vs kpis"])
def test_vs_leading_ending_or_quoted_is_searched(typed):
    searched = {word for group in groups(typed) for clause in group for word in clause.split()}
    assert ("vs" in searched) == ("-" not in typed)


@pytest.mark.parametrize(("typed", "either"), [
    ('"build vs buy"', [['"build vs buy"', '"build versus buy"']]),
    ('"build versus buy"', [['"build versus buy"', '"build vs buy"']]),
    ('"vs code"', [['"vs code"']]),  # leading: a word like any other
])  # fmt: skip
def test_a_quoted_comparison_is_found_as_written_or_as_said(typed, either):
    assert groups(typed) == either


@pytest.mark.parametrize(("typed", "either", "together"), [
    ("1:1", [["one-on-one", "1:1"]], []),
    ("1-On-1s", [["one-on-ones", "1-on-1s"]], []),
    ("run a good 1on1", [["run"], ["good"], ["one-on-one", "1on1"]],
     ["run a good one-on-one"]),
    ('"weekly 1:1"', [['"weekly one-on-one"', '"weekly 1:1"']], []),
    ("1:12 1:1*", [["1:12"], ["1:1*"]], []),  # a ratio, a prefix: as typed
    ("$100M ARR", [['"100 million"', "100m"], ["arr"]], ["100 million ARR"]),
    ("2.5b", [['"2.5 billion"', "2.5b"]], []),
    ('"$10M round"', [['"10 million round"', '"$10M round"']], []),
    ("$10k pilot", [["10,000", "10k"], ["pilot"]], ["10,000 pilot"]),
    ("2.5K 0.5k", [["2,500", "2.5k"], ["500", "0.5k"]], ["2,500 500"]),
    # thousands written in full are also found written short, as typed first
    ("10,000 users", [["10,000", "10k"], ["users"]], ["10,000 users"]),
    ("$2,500 1,250 1,000,000", [["2,500", "2.5k"], ["1,250"], ["1,000,000"]],
     ["$2,500 1,250 1,000,000"]),
    ("b2b x100m 1.2345k 10km", [["b2b"], ["x100m"], ["1.2345k"], ["10km"]],
     ["b2b x100m 1.2345k 10km"]),  # not amounts (or not whole ones)
])  # fmt: skip
def test_shorthand_is_also_found_as_said(typed, either, together):
    """Captions say "one-on-one" where people write `1:1`, which as written is two ones
    (the digits of "9-1-1"), "100 million" where titles write `$100M` and "10,000" where
    people type `$10k`: what is meant
    comes first."""
    query = parse_query(typed)
    assert groups(typed) == either
    assert query.together == together
