import os
import pickle
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.ingest import notes_folder
from indexer.ingest.align import stated_start
from indexer.ingest.notes import parse_notes
from indexer.ingest.notes_cache import NotesCache
from indexer.ingest.notes_folder import read_notes_folder


def talks_by_title(parsed):
    return {talk.title: talk for talk in parsed.talks}


def test_bundled_notes_give_eight_talks_with_eight_videos(bundled_notes):
    parsed = read_notes_folder(bundled_notes)
    assert len(parsed.talks) == 8
    assert sum(len(talk.videos) for talk in parsed.talks) == 8
    keynote = talks_by_title(parsed)["Peter DeSantis - SVP AWS"]
    assert (keynote.speaker, keynote.role) == ("Peter DeSantis", "SVP AWS")
    assert keynote.event == "AWS re:Invent 2022"
    assert keynote.section == ("Keynotes",)
    assert keynote.videos[0].video_id == "R11YgBEZzqE"
    ena = next(item for item in keynote.notes if "ENA Express" in item.text)
    assert ena.line == 21
    nested = next(item for item in keynote.notes if item.text == "Reducing cold start latency")
    assert (nested.line, nested.depth) == (23, 1)
    sections = {talk.section for talk in parsed.talks}
    assert sections == {("Keynotes",), ("Breakout Sessions",)}


def test_channel_link_in_bundled_notes_is_reported_not_a_talk(bundled_notes):
    parsed = read_notes_folder(bundled_notes)
    assert [str(w) for w in parsed.warnings] == [
        "reinvent-2022.md:7: link is not a YouTube video: https://www.youtube.com/user/amazonwebservices"
    ]


def test_headings_become_talks_sections_and_notes_only_talks(test_notes):
    parsed = read_notes_folder(test_notes)
    talks = talks_by_title(parsed)
    hopper = talks["Grace Hopper - Rear Admiral"]
    assert hopper.videos[0].video_id == "aaaaaaaaaaa"
    assert hopper.videos[0].start == 65.0
    assert hopper.videos[0].url == "https://www.youtube.com/watch?v=aaaaaaaaaaa&t=65s"
    assert [(n.text, n.depth) for n in hopper.notes] == [
        ("Nanoseconds explained with a length of wire", 0),
        ("Thirty centimetres per nanosecond", 1),
        ("Compilers save programmer time", 0),
    ]
    closing = talks["Closing keynote: the future of search"]
    assert closing.videos[0].video_id == "bbbbbbbbbbb"
    assert "Why inverted indexes still win" in [n.text for n in closing.notes]
    caching = talks["Hands-on caching"]
    assert [v.video_id for v in caching.videos] == ["ccccccccccc", "ddddddddddd"]
    assert caching.section == ("Workshops",)
    hallway = talks["Hallway track"]
    assert hallway.videos == ()
    assert len(hallway.notes) == 2
    assert "Reading list" not in talks
    assert "Keynotes" not in talks and "Workshops" not in talks
    assert {talk.event for talk in parsed.talks if talk.source == "devcon-2024.md"} == {
        "DevCon 2024"
    }


def test_front_matter_file_is_one_talk(test_notes):
    talks = talks_by_title(read_notes_folder(test_notes))
    ada = talks["Growth loops, explained | Ada Example"]
    assert ada.id == "episode-ada"
    assert ada.speaker == "Ada Example"
    assert ada.event == "Example Podcast"
    assert ada.keywords == ("growth", "retention")
    assert ada.publish_date == "2023-04-21"
    assert [v.video_id for v in ada.videos] == ["eeeeeeeeeee"]
    assert [n.text for n in ada.notes] == [
        "Loops beat funnels because output feeds input",
        "Retention is the loop's engine",
    ]
    peter = talks["Peter Example"]
    assert peter.videos == () and peter.keywords == ("hiring",)


def test_talk_ids_are_unique_and_url_safe(test_notes, bundled_notes):
    for folder in (test_notes, bundled_notes):
        ids = [talk.id for talk in read_notes_folder(folder).talks]
        assert len(ids) == len(set(ids))
        assert all(i.replace("-", "").isalnum() and i.islower() for i in ids)


def test_a_bare_video_address_is_a_link_like_any_other():
    """Addresses pasted as they are: on their own line, inside a note, without https://."""
    text = (
        "## Alice Smith - CTO Example\n\nhttps://www.youtube.com/watch?v=aaaaaaaaaaa\n\n"
        "* First point about caching\n\n"
        "## Bob Jones\n\n"
        "* Backoff explained, see https://youtu.be/bbbbbbbbbbb?t=90 for the demo\n\n"
        "## Carol\n\nyoutube.com/watch?v=ccccccccccc\n\n* Retries\n\n"
        "## Dan\n\n* Slides at https://example.com/slides and a channel "
        "https://www.youtube.com/@devcon\n"
    )
    parsed = parse_notes(text, "bare.md")
    talks = {talk.title: talk for talk in parsed.talks}
    alice = talks["Alice Smith - CTO Example"]
    assert [v.video_id for v in alice.videos] == ["aaaaaaaaaaa"]
    assert [n.text for n in alice.notes] == ["First point about caching"]  # the address is no note
    bob = talks["Bob Jones"]
    assert [(v.video_id, v.start) for v in bob.videos] == [("bbbbbbbbbbb", 90.0)]
    assert [n.text for n in bob.notes] == [
        "Backoff explained, see https://youtu.be/bbbbbbbbbbb?t=90 for the demo"]
    assert [v.video_id for v in talks["Carol"].videos] == ["ccccccccccc"]
    assert talks["Dan"].videos == ()
    assert [(w.line, w.message) for w in parsed.warnings] == [
        (19, "link is not a YouTube video: https://www.youtube.com/@devcon")]


def test_a_video_address_pasted_into_a_heading_is_not_part_of_its_title():
    text = ("## Werner Vogels - CTO https://youtu.be/aaaaaaaaaaa\n\n* a\n\n"
            "## Other talk (youtube.com/watch?v=bbbbbbbbbbb)\n\n* b\n\n"
            "## https://youtu.be/ccccccccccc\n\n* c\n")  # fmt: skip
    talks = parse_notes(text, "headings.md").talks
    assert [(t.title, t.speaker, t.role, t.videos[0].video_id) for t in talks] == [
        ("Werner Vogels - CTO", "Werner Vogels", "CTO", "aaaaaaaaaaa"),
        ("Other talk", "", "", "bbbbbbbbbbb"),
        ("https://youtu.be/ccccccccccc", "", "", "ccccccccccc"),  # nothing else to call it
    ]


def _shown(text: str, path: str = "notes.md") -> list[tuple]:
    """Each talk of a notes text as (title, section, videos, notes as (text, depth))."""
    return [(t.title, t.section, [v.video_id for v in t.videos], [(n.text, n.depth) for n in t.notes])
            for t in parse_notes(text, path).talks]  # fmt: skip


A_LIST_OF_TALKS = """# Keynotes
- [Werner Vogels - CTO](https://youtu.be/aaaaaaaaaaa)
  - the frugal architect
    - cost is a requirement
- [Adam Selipsky keynote](https://www.youtube.com/watch?v=bbbbbbbbbbb&t=90)
  - Amazon Q announced
- a bullet of the section
"""


def test_a_bullet_linking_a_video_with_notes_nested_under_it_is_a_talk():
    """The list shape: one heading, a bullet per talk (the link's label is its title),
    the talk's notes nested under its bullet. The heading is their section."""
    assert _shown(A_LIST_OF_TALKS) == [
        ("Keynotes", (), [], [("a bullet of the section", 0)]),
        ("Werner Vogels - CTO", ("Keynotes",), ["aaaaaaaaaaa"],
         [("the frugal architect", 0), ("cost is a requirement", 1)]),
        ("Adam Selipsky keynote", ("Keynotes",), ["bbbbbbbbbbb"], [("Amazon Q announced", 0)]),
    ]  # fmt: skip
    werner, adam = parse_notes(A_LIST_OF_TALKS, "notes.md").talks[1:]
    assert (werner.speaker, werner.role, werner.line) == ("Werner Vogels", "CTO", 2)
    assert adam.videos[0].start == 90.0 and adam.notes[0].line == 6
    assert werner.id == "notes-werner-vogels-cto"


def test_a_bullet_talk_may_say_more_than_its_link():
    """`- [Title](video) by Someone`: the whole line is the title; folded back into a
    heading with its own video, the line is a note again, as it always was."""
    text = ("# Talks\n- [Simple Made Easy](https://youtu.be/aaaaaaaaaaa) by Rich Hickey\n  - easy is near\n"
            "- [Werner Vogels](https://youtu.be/bbbbbbbbbbb) - CTO\n  - pipes\n"
            "- see [the slides](https://example.com/slides) first\n  - not a talk\n")  # fmt: skip
    talks = parse_notes(text, "notes.md").talks
    assert [(t.title, t.speaker, [v.video_id for v in t.videos], [n.text for n in t.notes])
            for t in talks] == [
        ("Talks", "", [], ["see the slides first", "not a talk"]),
        ("Simple Made Easy by Rich Hickey", "Rich Hickey", ["aaaaaaaaaaa"], ["easy is near"]),
        ("Werner Vogels - CTO", "Werner Vogels", ["bbbbbbbbbbb"], ["pipes"]),
    ]  # fmt: skip
    folded = ("## Keynote\n[YouTube](https://youtu.be/ccccccccccc)\n"
              "- [Related talk](https://youtu.be/aaaaaaaaaaa?t=30) by someone\n  - nested\n")  # fmt: skip
    [keynote] = parse_notes(folded, "notes.md").talks
    assert [(n.text, n.depth, n.video_id, n.start) for n in keynote.notes] == [
        ("Related talk by someone", 0, "aaaaaaaaaaa", 30.0), ("nested", 1, None, None)]
    named = "## Stand by Me\n* a\n## Go, by Rob Pike\n* b\n## Talk by the team\n* c\n"
    assert [t.speaker for t in parse_notes(named, "notes.md").talks] == ["", "Rob Pike", ""]
    channel = "## Links\n- [Channel](https://www.youtube.com/@x) and [a talk](https://youtu.be/aaaaaaaaaaa)\n  - n\n"
    parsed = parse_notes(channel, "notes.md")
    assert [t.title for t in parsed.talks] == ["Links"] and len(parsed.warnings) == 1


def test_bullets_that_are_parts_of_one_talk_stay_its_videos():
    """A label naming no talk ("Part 2", "video", a pasted address), a heading with a
    video of its own, a bullet without notes under it, or a file that is one talk: the
    bullet's video is one more video of that talk, and its notes the talk's, as before."""
    parts = ("## Keynote\n- [Part 1](https://youtu.be/aaaaaaaaaaa)\n  - first half\n"
             "- https://youtu.be/bbbbbbbbbbb\n  - second half\n")  # fmt: skip
    assert _shown(parts) == [("Keynote", (), ["aaaaaaaaaaa", "bbbbbbbbbbb"],
                              [("first half", 1), ("second half", 1)])]  # fmt: skip
    own = ("## Keynote\n- [Werner Vogels](https://youtu.be/aaaaaaaaaaa)\n  - nested\n"
           "- plain\n\n[YouTube](https://youtu.be/ccccccccccc)\n")  # fmt: skip
    assert _shown(own) == [("Keynote", (), ["aaaaaaaaaaa", "ccccccccccc"],
                            [("nested", 1), ("plain", 0)])]  # fmt: skip
    watch_list = "## To watch\n- [Talk A](https://youtu.be/aaaaaaaaaaa)\n- [Talk B](https://youtu.be/bbbbbbbbbbb)\n"
    assert _shown(watch_list) == [("To watch", (), ["aaaaaaaaaaa", "bbbbbbbbbbb"], [])]
    one_talk = ("---\ntitle: One talk\nvideo_id: ddddddddddd\n---\n"
                "- [Clip of the demo](https://youtu.be/eeeeeeeeeee)\n  - the demo\n")  # fmt: skip
    assert _shown(one_talk) == [("One talk", (), ["ddddddddddd", "eeeeeeeeeee"], [("the demo", 1)])]


def test_a_block_that_only_labels_a_video_link_is_no_note():
    text = ("## Talk\n- Video: https://youtu.be/aaaaaaaaaaa\n- Recording - [YouTube](https://youtu.be/bbbbbbbbbbb)\n"
            "- Part 1: [video](https://youtu.be/ccccccccccc)\n- [Video](https://youtu.be/ddddddddddd) of the Q&A\n"
            "- a real note\n")  # fmt: skip
    assert _shown(text) == [("Talk", (), ["aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc", "ddddddddddd"],
                             [("Video of the Q&A", 0), ("a real note", 0)])]  # fmt: skip


def test_a_note_remembers_the_moment_its_video_link_points_at():
    text = ("## Talk\n[YouTube](https://youtu.be/aaaaaaaaaaa)\n"
            "- SnapStart [announced](https://youtu.be/aaaaaaaaaaa?t=12m34s), see [also](https://youtu.be/bbbbbbbbbbb?t=5)\n"
            "- [the demo](https://www.youtube.com/watch?v=aaaaaaaaaaa) without a time\n")  # fmt: skip
    [talk] = parse_notes(text, "notes.md").talks
    assert [(n.text, n.video_id, n.start) for n in talk.notes] == [
        ("SnapStart announced, see also", "aaaaaaaaaaa", 754.0),
        ("the demo without a time", None, None)]
    assert [(v.video_id, v.start) for v in talk.videos] == [("aaaaaaaaaaa", None), ("bbbbbbbbbbb", 5.0)]


SPEAKER_LINES = """## Building serverless at scale
**Speaker:** Jane Doe, Principal Engineer
Date: 2023-11-28
[Video](https://youtu.be/aaaaaaaaaaa)
- cold starts
- Speaker: someone else

## Panel
- Speakers: Ann Lee, Bo Chen
- Date: next week

## Werner Vogels - CTO
Speaker: Dr. Werner Vogels (Amazon)
https://youtu.be/ccccccccccc

## Odd
Speaker: [Jane](https://youtu.be/ddddddddddd)
- Speaker: the point was that everything fails all the time so plan for it when you build
"""


def test_speaker_and_date_lines_under_a_heading_describe_its_talk():
    """`Speaker: Name, Role` and `Date: 2023-11-28`, as people head their notes, give the
    talk's speaker (its facet and filter) and date, not notes; only the first of each,
    and only a line saying no more (a long sentence, a video link, a date that is not
    one stay notes). Lines after them in the same paragraph keep their own line numbers."""
    talks = parse_notes(SPEAKER_LINES, "notes.md").talks
    shown = [(t.title, t.speaker, t.role, t.publish_date, [v.video_id for v in t.videos],
              [n.text for n in t.notes]) for t in talks]  # fmt: skip
    assert shown == [
        ("Building serverless at scale", "Jane Doe", "Principal Engineer", "2023-11-28",
         ["aaaaaaaaaaa"], ["cold starts", "Speaker: someone else"]),
        ("Panel", "Ann Lee, Bo Chen", "", "", [], ["Date: next week"]),
        ("Werner Vogels - CTO", "Dr. Werner Vogels", "Amazon", "", ["ccccccccccc"], []),
        ("Odd", "", "", "", ["ddddddddddd"], [
            "Speaker: Jane",
            "Speaker: the point was that everything fails all the time so plan for it when you build"]),
    ]  # fmt: skip
    assert talks[0].videos[0].line == 4  # the paragraph begins on line 2
    parts = ("## Keynote\n- [Part 1](https://youtu.be/aaaaaaaaaaa)\n  - Speaker: Ann Lee, CTO\n"
             "  - Date: 2024-05\n  - first half\n")  # fmt: skip
    [keynote] = parse_notes(parts, "notes.md").talks
    assert (keynote.speaker, keynote.role, keynote.publish_date) == ("Ann Lee", "CTO", "2024-05")
    assert [n.text for n in keynote.notes] == ["first half"]
    below = ("## Panel\nVideo: https://youtu.be/bbbbbbbbbbb\nSpeakers: Ann Lee, Bo Chen\n"
             "Worth it for the Q&A.\n")  # fmt: skip
    [panel] = parse_notes(below, "notes.md").talks
    assert (panel.speaker, panel.videos[0].line) == ("Ann Lee, Bo Chen", 2)
    assert [(n.text, n.line) for n in panel.notes] == [("Video: https://youtu.be/bbbbbbbbbbb "
                                                        "Worth it for the Q&A.", 2)]  # fmt: skip
    one_talk = "---\ntitle: T\nvideo_id: aaaaaaaaaaa\n---\n## Summary\nSpeaker: Ann Lee\n- a note\n"
    assert _shown(one_talk) == [("T", (), ["aaaaaaaaaaa"], [("Summary", 0), ("Speaker: Ann Lee", 0),
                                                            ("a note", 0)])]  # front matter tells


def test_a_video_embedded_as_an_image_is_the_talks_video():
    """Obsidian embeds a video as an image of its address; a thumbnail linking the video
    is its link; a picture stays a picture (its label a note, as before)."""
    text = ("## Embedded\n![](https://www.youtube.com/watch?v=aaaaaaaaaaa)\n- a note\n"
            "## With a label\n![Keynote video](https://youtu.be/bbbbbbbbbbb)\n- another\n"
            "## Thumbnail\n[![thumb](https://img.youtube.com/vi/ccccccccccc/0.jpg)](https://youtu.be/ccccccccccc)\n- third\n"
            "## Picture\n![diagram](https://example.com/d.png)\n- fourth\n")  # fmt: skip
    assert _shown(text) == [
        ("Embedded", (), ["aaaaaaaaaaa"], [("a note", 0)]),
        ("With a label", (), ["bbbbbbbbbbb"], [("another", 0)]),
        ("Thumbnail", (), ["ccccccccccc"], [("third", 0)]),
        ("Picture", (), [], [("diagram", 0), ("fourth", 0)]),
    ]
    assert parse_notes(text, "notes.md").warnings == []
    player = ('## Pasted player\n<iframe width="560" height="315" src="https://www.youtube.com/embed/'
              'aaaaaaaaaaa?start=30" title="YouTube video player" allowfullscreen></iframe>\n\n- a note\n')
    assert _shown(player) == [("Pasted player", (), ["aaaaaaaaaaa"], [("a note", 0)])]
    hugo = "## From my blog\n{{< youtube bbbbbbbbbbb >}}\n\n- a note\n"
    assert _shown(hugo) == [("From my blog", (), ["bbbbbbbbbbb"], [("a note", 0)])]


def test_a_logseq_outline_gives_its_talks():
    """Logseq writes everything as bullets: headings inside them, videos as macros."""
    text = ("- ## Werner Vogels keynote\n  - {{video https://www.youtube.com/watch?v=aaaaaaaaaaa}}\n"
            "  - cost is a requirement\n    - nested point\n"
            "- ## Second talk\n  - {{youtube https://youtu.be/bbbbbbbbbbb}}\n"
            "  - {{youtube-timestamp 754}} SnapStart\n")  # fmt: skip
    assert _shown(text) == [
        ("Werner Vogels keynote", (), ["aaaaaaaaaaa"], [("cost is a requirement", 1), ("nested point", 2)]),
        ("Second talk", (), ["bbbbbbbbbbb"], [("12:34 SnapStart", 1)]),
    ]  # fmt: skip


@pytest.mark.parametrize(("typed", "read", "second"), [
    ("{{youtube-timestamp 754}} SnapStart", "12:34 SnapStart", 754.0),  # Logseq, while watching
    ("{{youtube-timestamp 3723}}", "1:02:03", 3723.0),
    ("{{youtube-timestamp 12:34}} the demo", "12:34 the demo", 754.0),
    ("{{youtube-timestamp 5}} and {{youtube-timestamp 65}}", "0:05 and 1:05", 5.0),
    ("{{youtube-timestamp soon}}", "{{youtube-timestamp soon}}", None),
])  # fmt: skip
def test_logseq_time_marks_read_as_times_and_state_the_second(typed, read, second):
    [talk] = parse_notes(f"## Talk\n[v](https://youtu.be/aaaaaaaaaaa)\n- {typed}\n", "notes.md").talks
    assert talk.notes[0].text == read
    assert stated_start(talk.notes[0].text) == second


def test_a_bullet_talk_link_that_is_no_video_is_said_once_and_stays_a_bullet():
    text = "## Links\n- [Channel](https://www.youtube.com/@someone)\n  - worth a look\n"
    parsed = parse_notes(text, "notes.md")
    assert [str(w) for w in parsed.warnings] == [
        "notes.md:2: link is not a YouTube video: https://www.youtube.com/@someone"]
    assert _shown(text) == [("Links", (), [], [("Channel", 0), ("worth a look", 1)])]


def test_bullets_of_a_section_or_of_a_file_without_headings_are_not_dropped():
    """A section heading (talks below) with bullets of its own, or bullets before any
    heading, are notes-only talks: every bullet is searchable. A paragraph alone still
    makes no talk (the section's introduction, a pointer to slides)."""
    text = ("- before any heading\n# Keynotes\nTwo keynotes this year.\n\n- general impressions\n"
            "## Werner Vogels - CTO\n[YouTube](https://youtu.be/aaaaaaaaaaa)\n- pipes\n")  # fmt: skip
    assert _shown(text, "reinvent.md") == [
        ("reinvent", (), [], [("before any heading", 0)]),
        ("Keynotes", (), [], [("Two keynotes this year.", 0), ("general impressions", 0)]),
        ("Werner Vogels - CTO", ("Keynotes",), ["aaaaaaaaaaa"], [("pipes", 0)]),
    ]
    assert _shown("---\ntitle: DevCon\n---\n- an idea\n") == [("DevCon", (), [], [("an idea", 0)])]
    assert _shown("# Reading list\nSee the slides.\n## Talk\n[v](https://youtu.be/aaaaaaaaaaa)\n"
                  ) == [("Talk", ("Reading list",), ["aaaaaaaaaaa"], [])]  # fmt: skip


def test_broken_yaml_is_reported_with_line_and_body_still_read():
    text = (
        "---\ntitle: Broken\nkeywords: [a, b\n---\n\n## Talk\n\n[v](https://youtu.be/aaaaaaaaaaa)\n"
    )
    parsed = parse_notes(text, "broken.md")
    assert len(parsed.warnings) == 1
    warning = parsed.warnings[0]
    assert warning.path == "broken.md" and warning.line in (3, 4)
    assert "not valid YAML" in warning.message
    assert [t.title for t in parsed.talks] == ["Talk"]


def test_front_matter_that_is_not_a_mapping():
    parsed = parse_notes("---\n- just\n- a list\n---\n# Nothing\n", "list.md")
    assert [w.message for w in parsed.warnings] == ["front matter is not a mapping of keys"]


def test_front_matter_id_that_is_not_youtube_is_a_local_transcript(tmp_path):
    text = "---\ntitle: Gokul\nguest: G\nyoutube_url: https://www.youtube.com/watch?v=gokul\nvideo_id: gokul\n---\n"
    parsed = parse_notes(text, "g.md")
    (talk,) = parsed.talks
    assert [(v.video_id, v.kind) for v in talk.videos] == [("gokul", "local")]
    assert str(parsed.warnings[0]).startswith("g.md:5: video_id 'gokul' is not a YouTube id")
    hostile = parse_notes("---\nguest: X\nvideo_id: ../../etc/passwd\n---\n", "h.md")
    assert hostile.talks[0].videos == ()
    assert "not a usable id" in hostile.warnings[0].message


def test_external_video_page_with_local_transcript_id():
    text = "---\ntitle: A TED talk\nspeaker: S\nvideo_url: https://www.ted.com/talks/x_y\nid: x_y\n---\n"
    (talk,) = parse_notes(text, "ted.md").talks
    (video,) = talk.videos
    assert (video.video_id, video.kind, video.url) == (
        "x_y",
        "external",
        "https://www.ted.com/talks/x_y",
    )


def test_bad_files_are_reported_and_the_rest_of_the_folder_indexed(tmp_path: Path, test_notes):
    for file in test_notes.iterdir():
        (tmp_path / file.name).write_bytes(file.read_bytes())
    (tmp_path / "latin1.md").write_bytes(
        b"# Talk\n\n* caf\xe9 notes\n\n[v](https://youtu.be/zzzzzzzzzzz)\n"
    )
    (tmp_path / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "folder.md").mkdir()
    (tmp_path / "dangling.md").symlink_to(tmp_path / "missing")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.md").write_text("## Deep\n\n- a\n  - b\n    - c\n      - d\n")
    parsed = read_notes_folder(tmp_path)
    messages = {w.path: (w.line, w.message) for w in parsed.warnings}
    assert messages["latin1.md"][0] == 3 and "invalid UTF-8" in messages["latin1.md"][1]
    assert "binary" in messages["binary.md"][1]
    assert "cannot read" in messages["folder.md"][1]
    assert "cannot read" in messages["dangling.md"][1]
    titles = [t.title for t in parsed.talks]
    assert "Talk" in titles and "Deep" in titles and "Hallway track" in titles
    latin = next(t for t in parsed.talks if t.source == "latin1.md")
    assert latin.notes[0].text == "café notes"  # read as Windows-1252, nothing lost
    deep = next(t for t in parsed.talks if t.title == "Deep")
    assert [n.depth for n in deep.notes] == [0, 1, 2, 3]


def test_lines_not_in_utf8_are_read_as_windows_1252_and_the_others_as_utf8(tmp_path):
    """A file edited by tools of two eras: each line keeps its letters, and the warning
    says where the first line that is not UTF-8 is and how many there are."""
    (tmp_path / "mixed.md").write_bytes(
        "# Talk\n\n* naïve — “quoted”\n".encode() + b"* caf\xe9 \x93r\xe9sum\xe9\x94\n"
        b"* \x81 undefined in Windows-1252\n\n[v](https://youtu.be/zzzzzzzzzzz)\n"
    )
    parsed = read_notes_folder(tmp_path)
    (talk,) = parsed.talks
    assert [note.text for note in talk.notes] == [
        "naïve — “quoted”", "café “résumé”", "\x81 undefined in Windows-1252"]  # fmt: skip
    (warning,) = parsed.warnings
    assert warning.line == 4 and "2 lines read as Windows-1252" in warning.message


MOJIBAKE = """# TED

## The power of vulnerability

Speaker: BrenÃ© Brown

- shame â€” and courage
- SÃO PAULO and Zoë, as written

[v](https://youtu.be/zzzzzzzzzzz)
"""


def test_text_once_mis_decoded_is_read_as_it_was_meant_with_a_warning():
    """UTF-8 read once as Windows-1252 (`BrenÃ©`) and saved again: the talk is indexed as
    `Brené`, so `brene` finds it, and the notes say where; text that only looks odd
    (Portuguese `SÃO`) stays as written."""
    parsed = parse_notes(MOJIBAKE, "ted.md")
    (talk,) = parsed.talks
    assert talk.speaker == "Brené Brown"
    assert [note.text for note in talk.notes] == [
        "shame — and courage", "SÃO PAULO and Zoë, as written"]  # fmt: skip
    (warning,) = parsed.warnings
    assert warning.line == 5
    assert "2 lines" in warning.message and "'BrenÃ©' read as 'Brené'" in warning.message


def test_mis_decoded_text_written_as_yaml_escapes_is_repaired_too():
    """A tool that saved mis-decoded text as YAML writes its control characters as escapes
    (`”` read as Windows-1252 is `â€` and U+009D): the raw line cannot show them, the value
    read can; a control character in text that was not mis-decoded stays."""
    escaped = ('---\ntitle: "\u00e2\u20ac\u0153Murmur\u00e2\u20ac\\x9D"\n'
               'speaker: "Ada\\x9D Quill"\n---\n\n- a note\n\n[v](https://youtu.be/zzzzzzzzzzz)\n')
    parsed = parse_notes(escaped, "ted.md")
    (talk,) = parsed.talks
    assert (talk.title, talk.speaker) == ("\u201cMurmur\u201d", "Ada\x9d Quill")
    (warning,) = [warning for warning in parsed.warnings if warning.line == 2]  # once
    assert "read as '\u201cMurmur\u201d'" in warning.message


@pytest.mark.parametrize("text", [
    "Zoë Keating, Brené Brown, Ångström, Ærøskøbing, Straße, Ça va, İstanbul",
    "naïve café — “quotes” \u2018single\u2019 … €5 © 2023 ½",
    "日本語のノート 🚀, Привет, مرحبا", "SÃO PAULO, AÇÃO, NÃO",
])  # fmt: skip
def test_text_written_right_is_never_repaired(text):
    parsed = parse_notes(f"# Event\n\n## {text}\n\n- {text}\n", "notes.md")
    (talk,) = parsed.talks
    assert (talk.title, talk.notes[0].text, parsed.warnings) == (text, text, [])


def test_duplicate_talk_ids_are_reported_and_both_kept(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "same.md").write_text("---\nguest: X\nvideo_id: aaaaaaaaaaa\n---\n")
    parsed = read_notes_folder(tmp_path)
    assert sorted(t.id for t in parsed.talks) == ["same", "same-2"]
    assert "duplicate talk" in parsed.warnings[0].message


def test_repeated_ids_take_the_first_free_number_as_counting_from_two_would(tmp_path):
    """Numbers are remembered per id (a title repeated thousands of times was counted up from
    2 each time); what they give must be what counting up gives, gaps and later titles
    that look like numbered ones included."""
    titles = ["Same", "Same", "Same 3", "Same", "Same", "Same 6", "Same", "Same 4", "Same"]
    for number, title in enumerate(titles):  # a heading's talk id: file name, then title
        (tmp_path / f"{number}").mkdir()
        (tmp_path / f"{number}" / "x.md").write_text(f"## {title}\n\n* a note\n")
    talks = read_notes_folder(tmp_path).talks
    ids = [talk.id for talk in talks]
    taken: set[str] = set()
    for talk in talks:  # the plain rule: the id as written, else the first free -2, -3, ...
        base = f"x-{talk.title.lower().replace(' ', '-')}"
        written, number = base, 2
        while written in taken:
            written, number = f"{base}-{number}", number + 1
        assert talk.id == written
        taken.add(written)
    assert ids == ["x-same", "x-same-2", "x-same-3", "x-same-4", "x-same-5", "x-same-6",
                   "x-same-7", "x-same-4-2", "x-same-8"]  # fmt: skip


def test_lenny_notes_give_244_talks_and_one_notes_only(corpus):
    parsed = read_notes_folder(corpus / "lenny" / "notes")
    assert len(parsed.talks) == 244
    no_video = [t.id for t in parsed.talks if not t.videos]
    assert no_video == ["peter-deng"]
    assert len({v.video_id for t in parsed.talks for v in t.videos}) == 243
    assert [str(w) for w in parsed.warnings] == [
        "gokul-rajaram.md:5: video_id 'gokul-rajaram' is not a YouTube id; "
        "only a local transcript file can be used"
    ]


def test_lists_nested_deeper_than_the_parser_reads_lose_nothing():
    deep = "".join("  " * level + f"- level {level}\n" for level in range(3000))
    text = (
        "# Deep\n\n[v](https://youtu.be/aaaaaaaaaaa)\n\n"
        + deep
        + "\n# After\n\n[v](https://youtu.be/bbbbbbbbbbb)\n\n* after note\n"
    )
    parsed = parse_notes(text, "deep.md")
    assert [talk.title for talk in parsed.talks] == ["Deep", "After"]
    assert [note.text for note in parsed.talks[0].notes] == [f"level {n}" for n in range(3000)]
    assert parsed.talks[1].notes[0].text == "after note"
    (warning,) = parsed.warnings
    assert (warning.path, warning.line) == ("deep.md", 5 + 31)  # the first line past 60 columns
    assert "nested too deep" in warning.message


def test_an_enormous_file_is_skipped_with_a_warning_and_the_rest_read(tmp_path):
    (tmp_path / "talk.md").write_text("# Kept talk\n\n* a note\n")
    with (tmp_path / "huge.md").open("w") as handle:
        line = "* the same bullet again and again to fill one hundred megabytes\n"
        handle.write(line * (100 * 2**20 // len(line) + 1))
    parsed = read_notes_folder(tmp_path)
    assert [talk.title for talk in parsed.talks] == ["Kept talk"]
    (warning,) = parsed.warnings
    assert warning.path == "huge.md"
    assert "file too large for notes (100 MB; the limit is 8 MB); skipped" in warning.message


def test_notes_cache_parses_only_changed_files_and_gives_the_same_talks(test_notes, tmp_path):
    notes = tmp_path / "notes"
    shutil.copytree(test_notes, notes)
    cache_file = tmp_path / "index" / "notes-cache.pickle"
    fresh = read_notes_folder(notes)

    cold = NotesCache(cache_file)
    assert read_notes_folder(notes, cold) == fresh
    cold.save()
    warm = NotesCache(cache_file)
    assert read_notes_folder(notes, warm) == fresh
    assert warm.parsed == 0

    edited = sorted(notes.glob("*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# Added talk\n\n- a new note\n")
    removed = sorted(notes.glob("*.md"))[-1]
    removed.unlink()
    after_edit = NotesCache(cache_file)
    parsed = read_notes_folder(notes, after_edit)
    after_edit.save()
    assert after_edit.parsed == 1
    assert parsed == read_notes_folder(notes)
    assert "Added talk" in {talk.title for talk in parsed.talks}
    assert set(NotesCache(cache_file).entries) == {
        path.relative_to(notes).as_posix() for path in notes.rglob("*.md")
    }


def _an_hour_ago(folder: Path) -> None:
    """Every notes file last modified an hour ago: outside the cache's racy window."""
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in folder.rglob("*.md"):
        os.utime(path, ns=(hour_ago, hour_ago))


def _reads(monkeypatch) -> list[str]:
    """The notes files read from now on, by path in their folder."""
    read: list[str] = []
    original = notes_folder._read_text

    def counted(file, relative):
        read.append(relative)
        return original(file, relative)

    monkeypatch.setattr(notes_folder, "_read_text", counted)
    return read


def test_notes_files_unchanged_since_the_cache_recorded_them_are_not_read(
    test_notes, tmp_path, monkeypatch
):
    notes = tmp_path / "notes"
    shutil.copytree(test_notes, notes)
    _an_hour_ago(notes)
    cache_file = tmp_path / "index" / "notes-cache.pickle"
    fresh = read_notes_folder(notes)
    cold = NotesCache(cache_file)
    read_notes_folder(notes, cold)
    cold.save()

    read = _reads(monkeypatch)
    warm = NotesCache(cache_file)
    assert read_notes_folder(notes, warm) == fresh
    assert read == [] and warm.unread == len(list(notes.rglob("*.md")))

    edited = sorted(notes.glob("*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# Added talk\n\n- a new note\n")
    after_edit = NotesCache(cache_file)
    parsed = read_notes_folder(notes, after_edit)
    assert read == [edited.name] and after_edit.parsed == 1
    assert parsed == read_notes_folder(notes)
    assert "Added talk" in {talk.title for talk in parsed.talks}


def test_a_notes_file_rewritten_keeping_its_size_and_time_is_read_again(test_notes, tmp_path):
    """Within one clock tick of the last read, or copied with its time (`cp -p`, `rsync -t`),
    a new text keeps the file's size and modification time: it must still be read."""
    notes = tmp_path / "notes"
    shutil.copytree(test_notes, notes)
    cache_file = tmp_path / "index" / "notes-cache.pickle"
    edited = sorted(notes.glob("*.md"))[0]
    text = edited.read_text(encoding="utf-8")
    word = next(w for w in text.split() if len(w) >= 6 and w.isalpha())
    for replace_file in (False, True):
        _an_hour_ago(notes)
        cache = NotesCache(cache_file)
        read_notes_folder(notes, cache)
        cache.save()
        before = read_notes_folder(notes)
        written = edited.stat()
        text = edited.read_text(encoding="utf-8")
        changed = text.replace(word, word[::-1])
        assert len(changed) == len(text) and changed != text
        target = tmp_path / "copy.md" if replace_file else edited
        target.write_text(changed, encoding="utf-8")
        os.utime(target, ns=(written.st_atime_ns, written.st_mtime_ns))
        if replace_file:
            os.replace(target, edited)  # what `cp -p` leaves: a new file, same size and time
        assert (edited.stat().st_size, edited.stat().st_mtime_ns) == (
            written.st_size, written.st_mtime_ns)  # fmt: skip
        fresh = read_notes_folder(notes)
        assert fresh != before
        assert read_notes_folder(notes, NotesCache(cache_file)) == fresh
        word = word[::-1]


def test_a_notes_file_read_with_a_warning_is_read_and_warned_of_every_time(tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "latin1.md").write_bytes("# Caf\xe9 talk\n\n- a note\n".encode("latin-1"))
    _an_hour_ago(notes)
    cache_file = tmp_path / "index" / "notes-cache.pickle"
    read = _reads(monkeypatch)
    for _ in range(2):
        cache = NotesCache(cache_file)
        parsed = read_notes_folder(notes, cache)
        cache.save()
        assert ["invalid UTF-8" in str(warning) for warning in parsed.warnings] == [True]
    assert read == ["latin1.md", "latin1.md"]


def test_a_damaged_or_foreign_notes_cache_is_ignored(test_notes, tmp_path):
    cache_file = tmp_path / "notes-cache.pickle"
    cache_file.write_bytes(b"not a pickle")
    damaged = NotesCache(cache_file)
    assert read_notes_folder(test_notes, damaged) == read_notes_folder(test_notes)
    assert damaged.parsed > 0
    damaged.save()
    stored = pickle.loads(cache_file.read_bytes())
    stored["code"] = "other code"
    cache_file.write_bytes(pickle.dumps(stored))
    assert NotesCache(cache_file).entries == {}


_PIECES = [
    "# Day one", "## Werner Vogels - CTO", "### Talk by Ann Lee", "Setext\n-----",
    "[YouTube](https://youtu.be/aaaaaaaaaaa)", "https://youtu.be/bbbbbbbbbbb?t=90",
    "![](https://www.youtube.com/watch?v=ccccccccccc)", "{{< youtube ddddddddddd >}}",
    '<iframe src="https://www.youtube.com/embed/eeeeeeeeeee"></iframe>',
    "- [A talk](https://youtu.be/fffffffffff) by Bo Chen", "  - a nested note", "    - deeper",
    "- [Part 2](https://youtu.be/ggggggggggg)", "- a plain bullet", "1. a numbered one",
    "Speaker: Jane Doe, CTO", "**Speakers:** A, B", "Date: 2024-05-14", "Date: soon",
    "- {{youtube-timestamp 754}} SnapStart", "- [12:34](https://youtu.be/aaaaaaaaaaa?t=754) demo",
    "Video: https://youtu.be/hhhhhhhhhhh", "a paragraph of prose", "- [Channel](https://www.youtube.com/@x)",
    "> a quote", "```\ncode\n```", "", "---", "\t- tabbed", "- ## Logseq heading",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.booleans())
def test_any_mix_of_the_shapes_people_write_parses(pieces, front_matter):
    """Whatever the mix: no error, the same talks twice, every note on a line of the
    file and every talk with a title and videos of its own."""
    text = "\n".join(pieces)
    if front_matter:
        text = "---\ntitle: Mixed\n---\n" + text
    parsed = parse_notes(text, "mixed.md")
    assert parse_notes(text, "mixed.md") == parsed
    lines = text.count("\n") + 1
    for talk in parsed.talks:
        assert talk.title and talk.id
        assert len({video.video_id for video in talk.videos}) == len(talk.videos)
        assert all(1 <= note.line <= lines and note.depth >= 0 for note in talk.notes)
