import json

from indexer.ingest.captions import Snippet, parse_vtt
from indexer.ingest.passages import MAX_SECONDS, build_passages, clean_text


def cues(*texts, length=3.0, start=0.0):
    return [Snippet(text, start + i * length, length) for i, text in enumerate(texts)]


def test_clean_text_drops_noise_but_keeps_meaningful_brackets():
    assert clean_text("[Music] so &amp;#39;hello&amp;#39; &gt;&gt; world") == "so 'hello' world"
    assert clean_text("(Applause) thank you ♪") == "thank you"
    assert clean_text("<c.colorE5E5E5>we</c> <00:00:01.000><c>go</c>") == "we go"
    assert clean_text("the ISF [Impôt sur la Fortune]") == "the ISF [Impôt sur la Fortune]"
    assert clean_text("if 1 < 2 & 3 > 2, <3 it") == "if 1 < 2 & 3 > 2, <3 it"
    assert clean_text("[MUSIC PLAYING]") == clean_text("[Music]") == clean_text("(Music ends)") == ""
    assert clean_text("(Video) (Laughs) [NEW_PARAGRAPH] so") == "so"


def test_a_dropped_label_leaves_no_space_before_the_punctuation_after_it():
    said = "a Twitter person, Manuel [inaudible 01:11:52]. And he asked (Laughter), then"
    assert clean_text(said) == "a Twitter person, Manuel. And he asked, then"
    assert clean_text("we [inaudible] go . on") == "we go . on"  # (only where a label was)


def test_passages_are_20_to_45_seconds_and_end_on_sentences():
    sentence = ["we talk about caching", "and why it matters.", "then invalidation", "is hard."]
    passages = build_passages(cues(*(sentence * 10), length=3.0))
    assert len(passages) >= 3
    for passage in passages[:-1]:
        assert 20 <= passage.end - passage.start <= MAX_SECONDS
        assert passage.text.endswith(".")


def test_a_pause_ends_a_passage_without_punctuation():
    first = cues(*[f"words without any stop {i}" for i in range(8)], length=3.0)
    second = cues(*[f"after the break {i}" for i in range(3)], length=3.0, start=40.0)
    passages = build_passages(first + second)
    assert passages[0].end == 24.0
    assert passages[1].start >= 20.0


def test_overlap_keeps_a_phrase_across_the_boundary_in_one_passage():
    texts = [f"word{i} filler text here" for i in range(40)]
    texts[14] = "the phrase starts"
    texts[15] = "right here."
    passages = build_passages(cues(*texts, length=3.0))
    joined = [p for p in passages if "the phrase starts right here." in p.text]
    assert joined, [p.text for p in passages]


def test_every_word_and_timestamp_survives(corpus):
    track = sorted((corpus / "captions-vtt").glob("*.vtt"))[5]
    snippets = parse_vtt(track.read_text(encoding="utf-8"))
    passages = build_passages(snippets)
    text = " ".join(p.text for p in passages)
    for snippet in snippets:
        for word in clean_text(snippet.text).split():
            assert word in text
    starts = [p.start for p in passages]
    assert starts == sorted(starts)
    assert passages[0].start == snippets[0].start
    assert passages[-1].end >= snippets[-1].start
    assert all(p.end - p.start <= MAX_SECONDS + 12 for p in passages)


def test_rolling_auto_captions_are_not_repeated():
    rolling = [
        Snippet("so today we are going", 0.0, 4.0),
        Snippet("so today we are going to talk about", 2.0, 4.0),
        Snippet("to talk about event driven systems", 4.0, 4.0),
        Snippet("to talk about event driven systems", 6.0, 4.0),
    ]
    (passage,) = build_passages(rolling)
    assert passage.text == "so today we are going to talk about event driven systems"
    assert (passage.start, passage.end) == (0.0, 10.0)


def test_overlapping_cue_durations_are_clipped():
    (passage,) = build_passages(
        [Snippet("first line.", 0.0, 10.0), Snippet("second line.", 2.0, 3.0)]
    )
    assert (passage.start, passage.end) == (0.0, 5.0)


def test_long_turns_are_split_with_time_by_proportion():
    turn = " ".join(f"Sentence number {i} is here." for i in range(60))
    passages = build_passages([Snippet(turn, 100.0, 180.0), Snippet("Next turn.", 280.0, 2.0)])
    assert len(passages) >= 4
    assert passages[0].start == 100.0
    assert all(p.end - p.start <= MAX_SECONDS for p in passages)
    middle = next(p for p in passages if "Sentence number 30 is here." in p.text)
    assert 160 <= middle.start <= 200


def test_empty_and_noise_only_input():
    assert build_passages([]) == []
    assert build_passages([Snippet("[Music]", 0, 5), Snippet("  ", 5, 1)]) == []


def test_lenny_turns_become_passages_with_times_inside_the_episode(corpus):
    path = corpus / "lenny" / "transcripts" / "-LywX3T5Scc.json"
    raw = json.loads(path.read_text())
    passages = build_passages([Snippet(s["text"], s["start"], s["duration"]) for s in raw])
    last_end = raw[-1]["start"] + raw[-1]["duration"]
    assert all(0 <= p.start < p.end <= last_end for p in passages)
    durations = sorted(p.end - p.start for p in passages)
    assert 15 <= durations[len(durations) // 2] <= 45
