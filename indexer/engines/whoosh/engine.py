"""`WhooshEngine`: the Engine protocol over Whoosh generations in the data folder."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.engines.protocol import (
    NOT_BUILT,
    Budget,
    BuildProgress,
    BuildReport,
    EngineStats,
    FacetCount,
    IndexDamaged,
    IndexMissing,
    Matches,
    MeaningInfo,
    Plan,
    TalkContent,
)
from indexer.engines.records import transcribed
from indexer.engines.whoosh import checksums, generations

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
        """The generation served, opened on first use (Whoosh's own objects, for tools).

        The current generation if it is intact, else the newest intact one before it
        (the damage is logged once); IndexDamaged when none is.
        """
        if self._open is None:
            from indexer.engines.whoosh import compat

            compat.apply()
            candidates = generations.published(self.index_dir)
            if not candidates:
                raise IndexMissing(self._missing())
            damage: list[str] = []
            for folder in candidates:
                self._open, found = _open_intact(folder)
                if self._open is not None:
                    break
                damage.append(f"{folder.name}: {found}")
                _log_once(folder.name, f"index generation {folder.name} is damaged ({found}); "
                                       "not served: run `talkseek index` to rebuild")  # fmt: skip
            else:
                raise IndexDamaged(
                    f"the index is damaged ({damage[0]}) and no earlier generation is intact: "
                    "run `talkseek index` to rebuild it"
                )
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

    def records(self) -> list[dict]:
        return list(self.opened().talks.values())

    def overview(self) -> dict[str, list[FacetCount]]:
        return self.opened().overview()

    def meaning(self) -> MeaningInfo | None:
        return self.opened().meaning

    def _missing(self) -> str:
        if generations.outdated(self.index_dir):
            return ("the index was made by another version of talkseek: "
                    "run `talkseek index` to rebuild it")  # fmt: skip
        return NOT_BUILT

    def verify(self, thorough: bool = True) -> list[str]:
        folder = generations.current(self.index_dir)
        if folder is None:
            return [self._missing()]
        return [f"{folder.name}/{problem}" for problem in checksums.problems(folder, thorough)]

    def stats(self) -> EngineStats:
        opened = self.opened()
        return EngineStats(
            engine=self.name,
            generation=opened.folder.name,
            talks=len(opened.talks),
            documents=opened.reader.doc_count(),
            passages=opened.live_passages(),
            transcribed=sum(transcribed(record) for record in opened.talks.values()),
            with_video=sum(bool(record.get("videos")) for record in opened.talks.values()),
        )

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None


_logged: set[str] = set()


def _log_once(key: str, message: str) -> None:
    """Say a generation is damaged once per process, not on every request."""
    if key not in _logged:
        _logged.add(key)
        logging.getLogger("talkseek").warning(message)


def _open_intact(folder: Path) -> tuple[OpenGeneration | None, str]:
    """A generation opened if its files are as built, else None and what is wrong."""
    from indexer.engines.whoosh.searcher import OpenGeneration

    found = checksums.problems(folder)
    if found:
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        return None, f"{found[0]}{more}"
    try:
        return OpenGeneration(folder), ""
    except Exception as error:  # Whoosh cannot read it: as damaged as a missing file
        return None, f"cannot be opened: {type(error).__name__}"
