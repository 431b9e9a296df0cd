"""A data folder made from the real WebVTT caption tracks: one notes file per video."""

from __future__ import annotations

from pathlib import Path

from indexer.ingest.captions import video_id_from_vtt


def write_caption_notes(captions: Path, root: Path) -> dict[str, Path]:
    """Notes and transcripts for each distinct video of the corpus; returns id → track."""
    (root / "notes").mkdir(parents=True)
    (root / "transcripts").mkdir()
    tracks: dict[str, Path] = {}
    for track in sorted(captions.glob("*.vtt")):
        text = track.read_text(encoding="utf-8")
        video_id = video_id_from_vtt(text)
        if video_id is None or video_id in tracks:
            continue
        tracks[video_id] = track
        title = track.name.split(".")[1].replace("-", " ")
        (root / "notes" / f"{video_id}.md").write_text(
            f"---\ntitle: {title!r}\nspeaker: Jean-Luc Melenchon\nvideo_id: {video_id}\n"
            f"event: Speeches\n---\n",
            encoding="utf-8",
        )
        (root / "transcripts" / f"{video_id}.vtt").write_text(text, encoding="utf-8")
    return tracks
