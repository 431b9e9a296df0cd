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


def _ted_notes(row: dict, slug: str) -> str:
    meta = {
        "title": row["headline"].strip() or slug.replace("_", " "),
        "speaker": row["speaker_name"].strip(),
        "event": row["event"].strip(),
        "description": row["description"].strip(),
        "keywords": [tag.strip() for tag in row["tags"].split(",") if tag.strip()],
        "publish_date": row["published"].strip(),
        "video_url": row["public_url"].strip(),
        "id": slug,
    }
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n"


def write_data_folder(
    corpus: Path, root: Path, every: int = 1, limit: int | None = None
) -> list[CorpusTalk]:
    """Write notes/ and transcripts/ under root from every `every`-th talk of each source."""
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
    return talks
