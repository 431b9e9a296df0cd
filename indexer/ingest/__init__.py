"""Ingest: a data folder → talks with their notes, transcripts and timed passages.

Reads the notes, brings each linked video's transcript up to date (cache,
caption files or YouTube), and cuts transcripts into passages, with a report of
every problem met. Knows no engine: engines index what `ingest()` returns.
"""

from __future__ import annotations

from indexer.core.data_folder import DataFolder
from indexer.ingest.collect import Collection, Progress, read_talks, recorded, sync_transcripts
from indexer.ingest.english import FILE_NAME as ENGLISH_SHARES
from indexer.ingest.english import remembered as remembered_english_shares
from indexer.ingest.fetching import Fetcher

#: What ingest gives an engine: talks, their videos' statuses, passages and warnings.
Ingested = Collection

__all__ = ["ENGLISH_SHARES", "DataFolder", "Ingested", "ingest", "read_talks", "recorded",
           "remembered_english_shares", "sync_transcripts"]


def ingest(
    folder: DataFolder,
    fetcher: Fetcher | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
) -> Ingested:
    """Talks from `folder`'s notes with their transcripts synced (fetcher None: offline)
    and cut into passages. FileNotFoundError when there is no notes folder."""
    return sync_transcripts(read_talks(folder), folder, fetcher, refresh=refresh, progress=progress)
