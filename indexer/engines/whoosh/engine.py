"""`WhooshEngine`: the Engine protocol over Whoosh generations in the data folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from indexer.engines.protocol import (
    Budget,
    BuildProgress,
    BuildReport,
    EngineStats,
    IndexMissing,
    Kind,
    Matches,
    Plan,
    TalkContent,
)
from indexer.engines.whoosh import generations

if TYPE_CHECKING:
    from indexer.engines.vocabulary import Vocabulary
    from indexer.engines.whoosh.searcher import OpenGeneration
    from indexer.ingest import Ingested


class WhooshEngine:
    """talkseek's index in `index_dir` (the data folder's `index/`)."""

    name = "whoosh"

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._open: OpenGeneration | None = None

    def opened(self) -> OpenGeneration:
        """The generation served, opened on first use (Whoosh's own objects, for tools)."""
        if self._open is None:
            from indexer.engines.whoosh import compat
            from indexer.engines.whoosh.searcher import OpenGeneration

            compat.apply()
            folder = generations.current(self.index_dir)
            if folder is None:
                raise IndexMissing("no index in the data folder yet: run `talkseek index` first")
            self._open = OpenGeneration(folder)
        return self._open

    def build(
        self, ingested: Ingested, full: bool = False, progress: BuildProgress | None = None
    ) -> BuildReport:
        from indexer.engines.whoosh.build import build_index  # the build side, loaded on demand

        return build_index(ingested, self.index_dir, full=full, progress=progress)

    def latest_generation(self) -> str | None:
        folder = generations.current(self.index_dir)
        return folder.name if folder is not None else None

    def generation(self) -> str:
        return self.opened().folder.name

    def search(self, plan: Plan, first: int, last: int, budget: Budget | None = None) -> Matches:
        return self.opened().search(plan, first, last, budget)

    def talk(self, talk_id: str) -> TalkContent | None:
        return self.opened().talk(talk_id)

    def talk_ids(self) -> list[str]:
        return sorted(self.opened().talks)

    def document_frequency(self, field: str, term: str) -> int:
        return self.opened().document_frequency(field, term)

    def vocabulary(self, field: str) -> Vocabulary:
        return self.opened().vocabulary(field)

    def warm(self) -> None:
        self.opened().warm()

    def stats(self) -> EngineStats:
        opened = self.opened()
        return EngineStats(
            engine=self.name,
            generation=opened.folder.name,
            talks=len(opened.talks),
            documents=opened.reader.doc_count(),
            passages=opened.reader.doc_frequency("kind", Kind.PASSAGE.value),
        )

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None
