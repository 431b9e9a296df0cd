"""The peer approach, for comparison: SQLite FTS5 with the porter tokenizer, one row per
caption snippet (as yt-fts stores subtitles), answering the same queries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.corpus import CorpusTalk
from bench.queries import BenchQuery

RESULTS = 100


class Fts5Baseline:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)

    def load(self, talks: list[CorpusTalk]) -> None:
        self.db.executescript(
            "CREATE TABLE videos (video_id TEXT PRIMARY KEY, speaker TEXT);"
            "CREATE VIRTUAL TABLE subtitles USING fts5("
            "video_id UNINDEXED, start_time UNINDEXED, text, tokenize='porter unicode61');"
        )
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO videos VALUES (?, ?)",
                [(talk.video_id, talk.speaker.lower()) for talk in talks],
            )
            self.db.executemany(
                "INSERT INTO subtitles VALUES (?, ?, ?)",
                (
                    (talk.video_id, snippet["start"], snippet["text"])
                    for talk in talks
                    for snippet in talk.snippets
                ),
            )

    def search(self, query: BenchQuery) -> list[tuple]:
        """The best RESULTS snippets by bm25, with video and time."""
        sql = "SELECT video_id, start_time, text FROM subtitles WHERE subtitles MATCH ?"
        args: list = [query.fts]
        if query.speaker:
            sql += " AND video_id IN (SELECT video_id FROM videos WHERE speaker LIKE ?)"
            args.append(f"%{query.speaker}%")
        sql += f" ORDER BY rank LIMIT {RESULTS}"
        return self.db.execute(sql, args).fetchall()
