"""Notes written to stop or exhaust the indexer: each is one file's warning, with its
file and line, and the rest of the folder is indexed."""

from __future__ import annotations

import json
import os
import random
import resource
import string
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.ingest.front_matter import read_front_matter
from indexer.ingest.notes_folder import read_notes_folder

ROOT = Path(__file__).resolve().parent.parent
GOOD = "---\ntitle: A good talk\nvideo_id: aaaaaaaaaaa\n---\n\n* cold starts explained\n"


def alias_bomb(levels: int) -> str:
    """Each level a list of nine aliases of the one before: 9**levels strings once flattened."""
    names = "abcdefghij"
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        name, below = names[level], names[level - 1]
        lines.append(f"{name}: &{name} [{','.join(['*' + below] * 9)}]")
    return "---\ntitle: Bomb\nvideo_id: bbbbbbbbbbb\n" + "\n".join(lines) + (
        f"\nkeywords: *{names[levels - 1]}\n---\n\n* a bullet\n"
    )


def _index(data: Path, seconds: float = 120) -> subprocess.CompletedProcess:
    """`talkseek index --offline` in a process with bounded memory and time."""

    def limit_memory() -> None:  # a regression must fail the test, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    return subprocess.run(
        [sys.executable, "-m", "indexer", "index", "--offline", "--data", str(data)],
        capture_output=True, text=True, timeout=seconds, cwd=ROOT, preexec_fn=limit_memory,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def _data(tmp_path: Path, files: dict[str, str]) -> Path:
    notes = tmp_path / "data" / "notes"
    notes.mkdir(parents=True)
    (notes / "good.md").write_text(GOOD)
    for name, text in files.items():
        (notes / name).write_text(text)
    return tmp_path / "data"


@pytest.mark.parametrize("levels", [8, 9])
def test_a_yaml_alias_bomb_is_refused_with_its_line_and_the_rest_indexed(tmp_path, levels):
    data = _data(tmp_path, {"bomb.md": alias_bomb(levels)})
    done = _index(data, seconds=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "bomb.md:4: front matter uses YAML anchors or aliases" in done.stderr
    # the good talk, and the bomb's bullet as a notes-only talk (its front matter ignored)
    assert "2 talks (1 notes only)" in done.stdout


def test_the_front_matter_reader_refuses_any_alias_quickly():
    meta, problems = read_front_matter("a: &x [1, 2]\nb: *x\n")
    assert meta == {} and problems[0][0] == 2
    meta, problems = read_front_matter("title: plain\ntags: [a, b]\n")
    assert meta == {"title": "plain", "tags": ["a", "b"]} and problems == []


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("publish_date: 2023-02-30", "2023-02-30"),
        ("publish_date: !!int abc", "abc"),
        ("publish_date: !!timestamp 2020-01-01T99:99:99", "2020-01-01T99:99:99"),
    ],
)
def test_values_yaml_cannot_build_are_read_as_text_with_a_warning(tmp_path, line, value):
    text = f"---\ntitle: Dated\nvideo_id: ccccccccccc\n{line}\n---\n\n* a bullet\n"
    data = _data(tmp_path, {"dated.md": text})
    parsed = read_notes_folder(data / "notes")
    dated = next(talk for talk in parsed.talks if talk.title == "Dated")
    assert dated.publish_date == value
    (warning,) = [w for w in parsed.warnings if w.path == "dated.md"]
    assert warning.line == 4 and "read as text" in warning.message
    done = _index(data)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "dated.md:4:" in done.stderr and "2 talks" in done.stdout


def test_any_error_reading_one_file_is_that_files_warning(tmp_path, monkeypatch):
    from indexer.ingest import notes_folder

    data = _data(tmp_path, {"odd.md": "# Odd\n\n* fine\n"})

    def broken(text: str, path: str):
        if path == "odd.md":
            raise RecursionError("maximum recursion depth exceeded")
        return parse(text, path)

    parse = notes_folder.parse_notes
    monkeypatch.setattr(notes_folder, "parse_notes", broken)
    parsed = notes_folder.read_notes_folder(data / "notes")
    assert [talk.title for talk in parsed.talks] == ["A good talk"]
    (warning,) = parsed.warnings
    assert warning.path == "odd.md" and "RecursionError" in warning.message


def test_devices_and_pipes_are_skipped_not_read(tmp_path):
    data = _data(tmp_path, {})
    (data / "notes" / "zero.md").symlink_to("/dev/zero")
    os.mkfifo(data / "notes" / "pipe.md")
    done = _index(data, seconds=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "zero.md: not a regular file" in done.stderr
    assert "pipe.md: not a regular file" in done.stderr
    assert "1 talks" in done.stdout


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil"])
def test_only_http_links_become_video_links(tmp_path, link):
    text = f"---\ntitle: Elsewhere\nid: elsewhere-1\nvideo_url: {link}\n---\n\n* a bullet\n"
    (tmp_path / "elsewhere.md").write_text(text)
    parsed = read_notes_folder(tmp_path)
    [talk] = parsed.talks
    assert all(video.url == "" or video.url.startswith("http") for video in talk.videos)
    assert any("video_url is not an http(s) link" in w.message and w.line == 4
               for w in parsed.warnings)  # fmt: skip
    (tmp_path / "elsewhere.md").write_text(text.replace(link, "https://example.org/v/1"))
    [talk] = read_notes_folder(tmp_path).talks
    assert [video.url for video in talk.videos] == ["https://example.org/v/1"]


def test_one_bad_cue_in_a_dropped_in_caption_file_costs_only_that_cue(tmp_path):
    data = tmp_path / "data"
    (data / "notes").mkdir(parents=True)
    (data / "transcripts").mkdir()
    (data / "notes" / "talk.md").write_text(
        "---\ntitle: Captioned\nvideo_id: ddddddddddd\n---\n\n* a bullet\n"
    )
    (data / "transcripts" / "ddddddddddd.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nbroken timing here\n\n"
        "00:00:03.000 --> 00:00:05.000\nthe zeppelin hangar doors\n"
    )
    done = _index(data)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "transcripts/ddddddddddd.vtt:3: unreadable cue timing: cue skipped" in done.stderr
    found = subprocess.run(
        [sys.executable, "-m", "indexer", "search", "--json", "--data", str(data), "zeppelin"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    assert '"total": 1' in found.stdout


def test_a_caption_file_saved_as_windows_1252_is_read_with_its_letters(tmp_path):
    """Subtitle tools often save SubRip files as Windows-1252: the transcript is read,
    accents and curly quotes as they were, with a warning at its first such line."""
    data = tmp_path / "data"
    (data / "notes").mkdir(parents=True)
    (data / "transcripts").mkdir()
    (data / "notes" / "talk.md").write_text(
        "---\ntitle: Subtitled\nvideo_id: eeeeeeeeeee\n---\n\n* a bullet\n"
    )
    subtitles = (b"1\n00:00:01,000 --> 00:00:03,000\nthe plain opening\n\n"
                 b"2\n00:00:03,000 --> 00:00:05,000\na caf\xe9 called \x93Zeppelin\x94\n")  # fmt: skip
    (data / "transcripts" / "eeeeeeeeeee.srt").write_bytes(subtitles)
    done = _index(data)
    assert done.returncode == 0, done.stderr[-2000:]
    at = subtitles.index(b"\xe9")
    assert (f"transcripts/eeeeeeeeeee.srt:7: invalid UTF-8 (byte {at}): 1 line read as "
            "Windows-1252") in done.stderr  # fmt: skip
    found = subprocess.run(
        [sys.executable, "-m", "indexer", "search", "--json", "--data", str(data), "cafe"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    (result,) = json.loads(found.stdout)["results"]
    assert "a <mark>café</mark> called “Zeppelin”" in result["moments"][0]["html"]


@pytest.mark.parametrize("address", ["[video](https://youtu.be/ddddddddddd)", "youtu.be/ddddddddddd"])
def test_a_line_of_forty_thousand_video_links_is_read_in_one_pass(tmp_path, address):
    """Each link was once judged against every word of its line before it: hours for a
    notes file at the size limit."""
    text = "## Many links\n\n* " + " ".join([address] * 40_000) + "\n"
    data = _data(tmp_path, {"links.md": text})
    done = _index(data, seconds=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 talks (0 notes only), 2 videos" in done.stdout


def test_a_heading_linking_a_hundred_thousand_videos_is_read_in_one_pass():
    """Each video was once compared with every video of its heading before it."""
    rng = random.Random(7)
    ids = ["".join(rng.choice(string.ascii_letters) for _ in range(11)) for _ in range(100_000)]
    text = "## Many videos\n\n* " + " ".join(f"youtu.be/{video_id}" for video_id in ids) + "\n"
    script = ("import sys; from indexer.ingest.notes import parse_notes; "
              "[talk] = parse_notes(sys.stdin.read(), 'many.md').talks; print(len(talk.videos))")
    done = subprocess.run([sys.executable, "-c", script], input=text, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout) == len(set(ids))
