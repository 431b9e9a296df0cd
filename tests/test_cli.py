"""The `talkseek` command as a user runs it, on real data folders built per test."""

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from indexer.cli import main


@pytest.fixture()
def data(tmp_path, test_notes):
    shutil.copytree(test_notes, tmp_path / "notes")
    return tmp_path


def run(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result


def test_index_offline_reports_talks_videos_and_why_transcripts_are_missing(data):
    (data / "transcripts").mkdir()
    (data / "transcripts" / "aaaaaaaaaaa.json").write_text(
        json.dumps(
            [
                {"text": f"Sentence {i} about wires, said by Hopper.", "start": i * 4.0, "duration": 4.0}
                for i in range(30)
            ]
        )
    )
    result = run("index", "--data", str(data), "--offline")
    assert result.exit_code == 0, result.output
    assert "6 talks (2 notes only), 5 videos; transcripts: 1 ok, 4 offline;" in result.stdout
    assert "passages; 1 warnings" in result.stdout
    assert (
        "devcon-2024.md:5: link is not a YouTube video: https://www.youtube.com/@devcon"
        in result.stderr
    )
    assert "offline: bbbbbbbbbbb: not fetched: offline and no cached transcript" in result.stderr


def test_index_prints_the_first_warnings_and_status_lists_them_all(data):
    for number in range(55):
        (data / "notes" / f"broken-{number:02d}.md").write_text("---\ntitle: [\n---\n* a note\n")
    result = run("index", "--data", str(data), "--offline")
    assert result.exit_code == 0, result.output
    assert "passages; 56 warnings" in result.stdout
    assert result.stderr.count("warning: ") == 50
    assert "... and 6 more warnings (see `talkseek status`)" in result.stderr
    listed = run("status", "--data", str(data)).stdout
    assert all(f"broken-{number:02d}.md:3: front matter" in listed for number in range(55))


def test_status_json_has_the_documented_shape(data):
    run("index", "--data", str(data), "--offline")
    result = run("status", "--data", str(data), "--json")
    report = json.loads(result.stdout)
    assert report["talks"] == 6 and report["videos"] == 5 and report["passages"] == 0
    assert report["transcripts"] == {"offline": 5}
    first = report["videos_detail"][0]
    assert first["video_id"] == "aaaaaaaaaaa" and first["status"] == "offline"
    assert first["talks"] == ["devcon-2024-grace-hopper-rear-admiral"]
    assert "offline" in first["message"]


def test_status_lines_start_with_the_status_whatever_the_id_length(data):
    (data / "notes" / "episode.md").write_text(
        "---\ntitle: An episode\nvideo_id: an-episode-slug-longer-than-youtube\n---\n",
        encoding="utf-8")  # fmt: skip
    run("index", "--data", str(data), "--offline")
    lines = run("status", "--data", str(data)).stdout.splitlines()
    hopper = lines.index("offline         aaaaaaaaaaa  Grace Hopper - Rear Admiral")
    assert lines[hopper + 1] == " " * 16 + "not fetched: offline and no cached transcript"
    episode = next(line for line in lines if "an-episode-slug" in line)
    assert episode.split()[:2] == ["missing", "an-episode-slug-longer-than-youtube"]
    assert episode.index("an-episode") == lines[hopper].index("aaaaaaaaaaa")


def test_status_before_any_index_says_so(data):
    result = run("status", "--data", str(data))
    assert result.exit_code == 0
    assert "unknown" in result.stdout and "not indexed yet" in result.stdout


def test_data_folder_comes_from_the_environment(data):
    result = run("index", "--offline", env={"TALKSEEK_DATA": str(data)})
    assert result.exit_code == 0 and "6 talks" in result.stdout


def test_missing_notes_folder_is_a_clear_error(tmp_path):
    result = run("index", "--data", str(tmp_path / "nowhere"), "--offline")
    assert result.exit_code == 1
    assert "no notes folder at" in result.stderr


def test_every_command_has_help():
    for command in main.commands.values():
        assert command.help, command.name
        assert run(command.name, "--help").exit_code == 0


def test_bundled_data_offline_gives_8_talks_8_videos_each_offline(bundled_notes, tmp_path):
    shutil.copytree(bundled_notes, tmp_path / "notes")
    result = run("index", "--data", str(tmp_path), "--offline")
    assert result.exit_code == 0
    assert result.stdout.startswith("8 talks (0 notes only), 8 videos; transcripts: 8 offline;")
    report = json.loads(run("status", "--data", str(tmp_path), "--json").stdout)
    assert report["transcripts"] == {"offline": 8}
    assert all(v["message"] for v in report["videos_detail"])


def test_lenny_corpus_offline_gives_244_talks_and_243_transcripts(lenny_data):
    output = (lenny_data / "index-output.txt").read_text()
    assert output.startswith("244 talks (1 notes only), 243 videos; transcripts: 243 ok;")
    assert "index full build: 244 talks added" in output
    report = json.loads(run("status", "--data", str(lenny_data), "--json").stdout)
    assert report["transcripts"] == {"ok": 243}
    assert report["passages"] > 10_000


def test_status_counts_passages_from_what_the_build_recorded(fixture_data, tmp_path, monkeypatch):
    """`status` reads the passage counts the last build recorded instead of cutting every
    transcript again (seconds on a large corpus)."""
    import shutil

    from indexer.ingest import collect

    data = tmp_path / "data"
    shutil.copytree(fixture_data, data)
    cut = collect.build_passages
    before = json.loads(run("status", "--data", str(data), "--json").stdout)["passages"]
    calls = []
    monkeypatch.setattr(collect, "build_passages", lambda s: calls.append(1) or cut(s))
    report = json.loads(run("status", "--data", str(data), "--json").stdout)
    assert report["passages"] == before > 0 and calls == []
    # a transcript the manifest does not vouch for is counted by cutting it again
    (data / "index" / "passages" / "manifest.json").unlink()
    assert json.loads(run("status", "--data", str(data), "--json").stdout)["passages"] == before
    assert calls


def test_search_takes_words_with_a_leading_dash_as_exclusions(fixture_data):
    data = str(fixture_data)
    everyone = json.loads(run("search", "--data", data, "--json", "--limit", "50", "the").stdout)
    hopper = "Grace Hopper - Rear Admiral"
    assert hopper in {r["talk"]["title"] for r in everyone["results"]}
    for query in (["-speaker:hopper", "the"], ["the", "-speaker:hopper"], ["-speaker:hopper the"]):
        result = run("search", "--data", data, "--json", "--limit", "50", *query)
        assert result.exit_code == 0, result.output
        found = json.loads(result.stdout)
        assert found["query"] == " ".join(query)
        assert {r["talk"]["title"] for r in found["results"]} == {
            r["talk"]["title"] for r in everyone["results"]} - {hopper}  # fmt: skip
    mistyped = run("search", "--data", data, "the", "--jsn")
    assert mistyped.exit_code == 2 and "No such option: --jsn" in mistyped.output


def test_a_search_finding_nothing_says_why_or_what_to_try(fixture_data):
    data = str(fixture_data)
    filtered = run("search", "--data", data, "speaker:nobody moth").stdout
    assert filtered == "no talk matches speaker:nobody\nNo results.\n"
    unknown = run("search", "--data", data, "zzzqqq").stdout
    assert unknown == "No results. Try fewer words, a prefix like archi*, or OR between words.\n"


def test_search_output_bolds_the_searched_words_on_a_terminal(fixture_data):
    data = str(fixture_data)
    coloured = CliRunner().invoke(main, ["search", "--data", data, "moth relay"], color=True)
    assert "\x1b[1mmoth\x1b[0m" in coloured.stdout and "\x1b[1mrelay\x1b[0m" in coloured.stdout
    plain = run("search", "--data", data, "moth relay").stdout  # not a terminal: no styles
    assert "\x1b" not in plain and " moth " in plain


def test_search_output_shows_control_characters_from_notes_as_question_marks(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "evil.md").write_text(
        "## Terminal \x1b]0;pwned\x07 talk\n\n* payload \x1b[2J\x1b[31mred\x1b[0m & <b>more</b>\n"
    )
    assert run("index", "--data", str(tmp_path), "--offline").exit_code == 0
    result = CliRunner().invoke(main, ["search", "--data", str(tmp_path), "payload"], color=True)
    assert result.exit_code == 0, result.output
    assert "\x07" not in result.stdout
    assert set(re.findall(r"\x1b\[[0-9;]*m", result.stdout)) <= {"\x1b[1m", "\x1b[0m"}
    assert result.stdout.count("\x1b") == len(re.findall(r"\x1b\[[01]m", result.stdout))
    assert "?[2J?[31mred?[0m & <b>more</b>" in result.stdout


def test_index_warnings_quote_names_and_values_as_written(tmp_path):
    """Warnings name files and values from the notes: brackets in them are text, not the
    console's colour markup (a closing tag used to stop `talkseek index` with an error)."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "draft[red]\x1b[2Jnotes.md").write_text("---\ntitle: [\n---\n* a\n")
    (tmp_path / "notes" / "episode.md").write_text(
        '---\ntitle: An episode\nvideo_id: "[/bold]"\n---\n* a note\n')
    result = run("index", "--data", str(tmp_path), "--offline")
    assert result.exit_code == 0, result.output
    assert "draft[red]?[2Jnotes.md:3: front matter is not valid YAML" in result.stderr
    assert "episode.md:3: video_id '[/bold]' is not a usable id; ignored" in result.stderr
    listed = run("status", "--data", str(tmp_path)).stdout
    assert "draft[red]?[2Jnotes.md:3: front matter" in listed
    assert "\x1b" not in result.stderr + listed


def test_a_model_path_with_brackets_is_named_as_written(data):
    """The reason meaning search is off names the model as given, brackets and all."""
    missing = data / "models[/v2]"
    result = run("index", "--data", str(data), "--offline", "--model", str(missing))
    assert result.exit_code == 0, result.output
    assert f"meaning search is off: no model.onnx in {missing}" in result.stderr
