"""Searching a data folder's Whoosh index from tests, as the CLI and the web app do."""

from __future__ import annotations

from pathlib import Path

from indexer.engines.whoosh import WhooshEngine
from indexer.search import PER_PAGE
from indexer.search import search as run_search


class TalkIndex:
    """An open Whoosh engine on an index folder, with search giving the result structure.

    `searcher`, `reader`, `scorer` and `postings` are the open generation's own, for
    tests that compare against Whoosh itself. Raises IndexMissing without an index.
    """

    def __init__(self, index_dir: Path) -> None:
        self.engine = WhooshEngine(index_dir)
        self.generation = self.engine.opened()
        self.searcher = self.generation.searcher
        self.reader = self.generation.reader
        self.scorer = self.generation.scorer
        self.postings = self.generation.postings

    def search(self, text: str, page: int = 1, per_page: int = PER_PAGE) -> dict:
        return run_search(self.engine, text, page=page, per_page=per_page)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> TalkIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def search(index_dir: Path, text: str, page: int = 1, per_page: int = PER_PAGE) -> dict:
    """One search on an index folder (opens and closes it)."""
    with TalkIndex(index_dir) as index:
        return index.search(text, page=page, per_page=per_page)
