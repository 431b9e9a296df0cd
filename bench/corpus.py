"""The benchmark corpus as a talkseek data folder: TED talks and Lenny's podcast episodes.

TED talks are not on YouTube: each becomes a one-talk notes file whose front matter
names the TED page (`video_url`) and the transcript file (`id`). Lenny's notes and
transcripts are copied as they are.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass
class CorpusTalk:
    """What the query generator needs to know about one talk."""

    video_id: str
    speaker: str
    snippets: list[dict]


def _slug(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _ted_notes(row: dict, slug: str, local_id: str | None = None) -> str:
    meta = {
        "title": row["headline"].strip() or slug.replace("_", " "),
        "speaker": row["speaker_name"].strip(),
        "event": row["event"].strip(),
        "description": row["description"].strip(),
        "keywords": [tag.strip() for tag in row["tags"].split(",") if tag.strip()],
        "publish_date": row["published"].strip(),
        "video_url": row["public_url"].strip(),
        "id": local_id or slug,
    }
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n"


def write_data_folder(
    corpus: Path, root: Path, every: int = 1, limit: int | None = None, copies: int = 1
) -> list[CorpusTalk]:
    """Write notes/ and transcripts/ under root from every `every`-th talk of each source,
    `copies` times over (copies after the first under new ids). The talks returned, for
    queries, are the first copy's."""
    notes, transcripts = root / "notes", root / "transcripts"
    (notes / "ted").mkdir(parents=True, exist_ok=True)
    (notes / "lenny").mkdir(parents=True, exist_ok=True)
    transcripts.mkdir(parents=True, exist_ok=True)
    talks: list[CorpusTalk] = []

    ted = corpus / "ted"
    with gzip.open(ted / "transcripts.json.gz", "rt", encoding="utf-8") as handle:
        ted_transcripts = json.load(handle)
    with (ted / "talks.csv").open(encoding="utf-8", newline="") as handle:
        rows = [
            row for row in csv.DictReader(handle) if _slug(row["public_url"]) in ted_transcripts
        ]
    lenny_notes = sorted((corpus / "lenny" / "notes").glob("*.md"))
    ted_rows = rows[::every]
    lenny_rows = lenny_notes[::every]
    if limit is not None:  # keep both sources in the slice
        ted_rows = ted_rows[: max(1, limit * len(ted_rows) // (len(ted_rows) + len(lenny_rows)))]
        lenny_rows = lenny_rows[: max(1, limit - len(ted_rows))]

    for row in ted_rows:
        slug = _slug(row["public_url"])
        (notes / "ted" / f"{slug}.md").write_text(_ted_notes(row, slug), encoding="utf-8")
        snippets = ted_transcripts[slug]
        (transcripts / f"{slug}.json").write_text(json.dumps(snippets), encoding="utf-8")
        talks.append(CorpusTalk(slug, row["speaker_name"], snippets))

    for path in lenny_rows:
        shutil.copy(path, notes / "lenny" / path.name)
        meta = next(yaml.safe_load_all(path.read_text(encoding="utf-8")), None) or {}
        video_id = str(meta.get("video_id", ""))
        source = corpus / "lenny" / "transcripts" / f"{video_id}.json"
        if not video_id or not source.exists():
            continue
        shutil.copy(source, transcripts / source.name)
        speaker = str(meta.get("guest") or meta.get("speaker") or "")
        talks.append(CorpusTalk(video_id, speaker, json.loads(source.read_text(encoding="utf-8"))))

    for copy in range(1, copies):
        _write_copy(ted_rows, ted_transcripts, lenny_rows, corpus, root, copy)
    return talks


def _write_copy(ted_rows: list[dict], ted_transcripts: dict, lenny_rows: list[Path],
                corpus: Path, root: Path, copy: int) -> None:  # fmt: skip
    """The same talks again under new ids: TED slugs and Lenny videos get a `-xN` suffix
    (Lenny's become local transcripts of their YouTube page, as TED's are)."""
    notes, transcripts = root / "notes", root / "transcripts"
    for row in ted_rows:
        slug = _slug(row["public_url"])
        new = f"{slug}-x{copy}"
        (notes / "ted" / f"{new}.md").write_text(_ted_notes(row, slug, new), encoding="utf-8")
        (transcripts / f"{new}.json").write_text(json.dumps(ted_transcripts[slug]),
                                                  encoding="utf-8")  # fmt: skip
    for path in lenny_rows:
        parts = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(parts[1]) if len(parts) == 3 else None
        video_id = str((meta or {}).get("video_id", ""))
        source = corpus / "lenny" / "transcripts" / f"{video_id}.json"
        if not meta or not video_id or not source.exists():
            continue
        new = f"{video_id}-x{copy}"
        meta["id"] = new
        page = meta.pop("youtube_url", None) or f"https://www.youtube.com/watch?v={video_id}"
        meta["video_url"] = page
        meta.pop("video_id", None)
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
        (notes / "lenny" / f"{path.stem}-x{copy}.md").write_text(f"---\n{front}---\n{parts[2]}",
                                                                 encoding="utf-8")  # fmt: skip
        shutil.copy(source, transcripts / f"{new}.json")
