"""English word shares (wordfreq) kept between runs: the same figures, without loading
wordfreq when every word asked was asked before."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from wordfreq import word_frequency

from indexer.ingest import english
from tests.conftest import TEST_DATA

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["nanosecond", "wire", "the", "compilers", "zzyzxq"]


def _in_a_new_process(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_kept_shares_are_wordfreqs_and_a_new_process_reads_them_without_it(tmp_path):
    path = tmp_path / english.FILE_NAME
    with english.remembered(path):
        shares = [english.english_share(word) for word in WORDS]
    assert shares == [float(word_frequency(word, "en")) for word in WORDS]
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert {word: stored["shares"][word] for word in WORDS} == dict(zip(WORDS, shares, strict=True))
    asked = (f"import sys; from pathlib import Path; from indexer.ingest import english\n"
             f"with english.remembered(Path({str(path)!r})):\n"
             f"    shares = [english.english_share(w) for w in {{words}}]\n"
             f"print(shares == {shares!r} if {{words}} == {WORDS!r} else '', "
             f"'wordfreq' in sys.modules)")  # fmt: skip
    assert _in_a_new_process(asked.format(words=WORDS)) == "True False"
    assert _in_a_new_process(asked.format(words=["unasked"])) == "True"


def test_shares_kept_by_another_wordfreq_version_are_looked_up_again(tmp_path, monkeypatch):
    path = tmp_path / english.FILE_NAME
    path.write_text(json.dumps({"wordfreq": "0.0", "shares": {"zebra": 0.5}}), encoding="utf-8")
    monkeypatch.setattr(english, "_shares", {})
    with english.remembered(path):
        assert english.english_share("zebra") == float(word_frequency("zebra", "en")) != 0.5
    assert json.loads(path.read_text(encoding="utf-8"))["wordfreq"] != "0.0"


def test_an_update_with_known_words_aligns_without_loading_wordfreq(tmp_path):
    """What `talkseek index` does after editing a note: the words were looked up by the
    build before, so the edited talk's notes are aligned from the kept shares."""
    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, tmp_path / part)
    index = ("import sys; sys.argv = ['talkseek', 'index', '--offline', '--data', "
             f"{str(tmp_path)!r}]\nfrom indexer.cli import main\ntry:\n    main()\n"
             "except SystemExit:\n    pass\nprint('wordfreq' in sys.modules)")  # fmt: skip
    assert _in_a_new_process(index).endswith("True")  # the first build looks words up
    assert (tmp_path / "index" / english.FILE_NAME).is_file()
    notes = tmp_path / "notes" / "devcon-2024.md"
    notes.write_text(notes.read_text(encoding="utf-8").replace(
        "* Compilers save programmer time", "* Compilers save time"), encoding="utf-8")
    report = _in_a_new_process(index)
    assert "1 updated" in report and report.endswith("False")


def test_new_words_a_note_does_not_share_with_its_talk_do_not_load_wordfreq(tmp_path):
    """Only the words a note shares with its best passage are looked up: a note edited with
    words no passage says (a new name, a remark) aligns from the kept shares."""
    for part in ("notes", "transcripts"):
        shutil.copytree(TEST_DATA / part, tmp_path / part)
    index = ("import sys; sys.argv = ['talkseek', 'index', '--offline', '--data', "
             f"{str(tmp_path)!r}]\nfrom indexer.cli import main\ntry:\n    main()\n"
             "except SystemExit:\n    pass\nprint('wordfreq' in sys.modules)")  # fmt: skip
    assert _in_a_new_process(index).endswith("True")
    notes = tmp_path / "notes" / "devcon-2024.md"
    bullet = "* Compilers save programmer time"
    notes.write_text(notes.read_text(encoding="utf-8").replace(
        bullet, bullet + ", quipped the zeppelin navigator"), encoding="utf-8")
    report = _in_a_new_process(index)
    assert "1 updated" in report and report.endswith("False")
    search = ("import sys; sys.argv = ['talkseek', 'search', '--json', '--data', "
              f"{str(tmp_path)!r}, 'zeppelin navigator']\nfrom indexer.cli import main\n"
              "try:\n    main()\nexcept SystemExit:\n    pass")  # fmt: skip
    found = json.loads(_in_a_new_process(search))
    (result,) = found["results"]
    (note,) = result["notes"]
    assert note["text"].startswith("Compilers save programmer time") and note["start"] is not None
