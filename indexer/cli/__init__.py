"""The `talkseek` command: thin click commands over ingest, an engine and search.

Commands import the heavy parts (nltk, numpy, the engine, the fetcher) when they
run: `talkseek serve`'s supervising process then stays small, its workers never
load ingest, and `--help` is quick.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from indexer.core.data_folder import DataFolder
from indexer.engines import ENGINES
from indexer.engines.protocol import MODES, SORTS

if TYPE_CHECKING:
    from flask import Flask
    from rich.console import Console

    from indexer.cli.progress import Reporter
    from indexer.engines.protocol import Engine
    from indexer.ingest import Ingested
    from indexer.ingest.vectors import Meaning

data_option = click.option(
    "--data",
    "data",
    type=click.Path(file_okay=False, path_type=Path),
    default="data",
    envvar="TALKSEEK_DATA",
    show_default=True,
    help="Data folder holding notes/, transcripts/ and index/ (env TALKSEEK_DATA).",
)
engine_option = click.option(
    "--engine",
    "engine_name",
    type=click.Choice(ENGINES),
    default=None,
    show_default="TALKSEEK_ENGINE, else `engine` in talkseek.toml, else whoosh",
    help="Search engine holding the index.",
)


_LONG_OPTION = re.compile(r"--[A-Za-z][\w-]*(?:=.*)?")


def _engine(data: Path, engine_name: str | None) -> Engine:
    """The engine the flag, the environment or the data folder's settings name."""
    from indexer.core.settings import SettingsError
    from indexer.engines import UnknownEngine, open_engine

    try:
        return open_engine(DataFolder(data), engine_name)
    except (SettingsError, UnknownEngine) as error:
        raise click.ClickException(str(error)) from None


@click.group()
@click.version_option(package_name="talkseek")
def main() -> None:
    """talkseek: search conference talks and your notes about them, down to the moment."""


@main.command()
@data_option
@engine_option
@click.option("--offline", is_flag=True,
              help="Fetch nothing: cached transcripts only, and a model only if cached.")
@click.option("--refresh", is_flag=True, help="Fetch again, also videos that failed for good.")
@click.option("--full", is_flag=True, help="Rebuild the index from scratch.")
@click.option(
    "--lang",
    default="en",
    show_default=True,
    help="Transcript languages in order of preference, comma separated.",
)
@click.option(
    "--proxy", envvar="TALKSEEK_PROXY", help="HTTP(S) proxy URL for YouTube (env TALKSEEK_PROXY)."
)
@click.option(
    "--strict", is_flag=True, help="Exit non-zero when notes had problems or a transcript failed."
)
@click.option(
    "--model",
    "model",
    metavar="NAME_OR_PATH",
    default=None,
    show_default="TALKSEEK_MODEL, else `model` in talkseek.toml, else all-MiniLM-L6-v2",
    help="Embedding model for meaning search: a fastembed name, a folder, or `off`.",
)
@click.option("--watch", is_flag=True,
              help="Then watch the notes and index again after each change (Ctrl-C stops).")
def index(
    data: Path,
    engine_name: str | None,
    offline: bool,
    refresh: bool,
    full: bool,
    lang: str,
    proxy: str | None,
    strict: bool,
    model: str | None,
    watch: bool,
) -> None:
    """Read notes, fetch or load transcripts, and build the search index.

    Exits 0 when an index was built, even with warnings (unless --strict), and
    non-zero when none could be: no notes, the index locked, or unwritable. With
    --watch, a failed build is said and watching goes on.
    """

    def run(first: bool) -> None:  # --refresh and --full are for the first build only
        _index(data, engine_name, offline, refresh and first, full and first, lang, proxy,
               strict, model)  # fmt: skip

    if not watch:
        run(True)
        return
    from indexer.cli.watch import watch_notes

    def again(first: bool) -> None:
        try:
            run(first)
        except click.ClickException as error:
            error.show()

    watch_notes(DataFolder(data), again, lambda said: click.echo(said, err=True))


def _index(data: Path, engine_name: str | None, offline: bool, refresh: bool, full: bool,
           lang: str, proxy: str | None, strict: bool, model: str | None) -> None:  # fmt: skip
    """One `talkseek index`: read, fetch, embed, build, and say how it went."""
    from rich.console import Console

    from indexer.cli.progress import progress
    from indexer.cli.render import print_summary, print_warnings
    from indexer.core.statuses import OK
    from indexer.core.talks import VideoRef
    from indexer.engines.protocol import INDEXING, BuildLocked, EngineUnavailable
    from indexer.ingest import (
        ENGLISH_SHARES,
        read_talks,
        remembered_english_shares,
        sync_transcripts,
    )
    from indexer.ingest.transcripts import TranscriptStatus

    folder = DataFolder(data)
    languages = [code.strip() for code in lang.split(",") if code.strip()] or ["en"]
    fetcher = None
    if not offline:  # the HTTP stack loads only to fetch
        from indexer.ingest.fetcher import YouTubeFetcher

        fetcher = YouTubeFetcher(languages, proxy=proxy)
    err = Console(stderr=True)
    try:
        ingested = read_talks(folder)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from None
    if not ingested.talks:
        print_warnings(err, ingested)
        raise click.ClickException(
            f"no talks found in {folder.notes}; the index was left as it was"
        )
    engine = _engine(data, engine_name)
    with progress(err) as reporter:
        reporter.stage("transcripts", len(ingested.videos))
        done_videos = 0

        def advance(video: VideoRef, status: TranscriptStatus) -> None:
            nonlocal done_videos
            done_videos += 1
            reporter.update(done_videos, f"{video.video_id} {status.status}")

        sync_transcripts(ingested, folder, fetcher, refresh=refresh, progress=advance)
        ingested.meaning, embedded = _embed(ingested, folder, engine_name, model, reporter, err,
                                            offline)
        reporter.stage(INDEXING, len(ingested.talks))
        current = INDEXING

        def indexed(done: int, total: int, stage: str = INDEXING) -> None:
            nonlocal current
            if stage != current:  # the engine finishing what it wrote
                current = stage
                reporter.stage(stage, total)
            reporter.update(done)

        try:
            with remembered_english_shares(folder.index / ENGLISH_SHARES):
                report = engine.build(ingested, full=full, progress=indexed)
        except (BuildLocked, EngineUnavailable) as error:
            raise click.ClickException(
                f"{error}; the previous index, if any, is still the one searched"
                if isinstance(error, EngineUnavailable) else str(error)
            ) from None
        except OSError as error:
            raise click.ClickException(
                f"cannot write the index in {folder.index}: {error.strerror or error}"
                f"{f' ({error.filename})' if error.filename else ''}; "
                "the previous index, if any, is still the one searched"
            ) from None
        finally:
            engine.close()
    print_warnings(err, ingested)
    print_summary(ingested)
    click.echo(str(report))
    if ingested.meaning is not None:
        click.echo(f"meaning search: on ({ingested.meaning.model}; {embedded} texts embedded "
                   "now, the others were cached)")  # fmt: skip
    else:
        click.echo("meaning search: off (keywords only)")
    failed = [s for s in ingested.statuses.values() if s.status != OK]
    if strict and (ingested.warnings or failed):
        raise click.ClickException(
            f"--strict: {len(ingested.warnings)} notes warnings, "
            f"{len(failed)} videos without a fresh transcript"
        )


def _embed(ingested: Ingested, folder: DataFolder, engine_name: str | None,
           model: str | None, reporter: Reporter, err: Console, offline: bool = False
           ) -> tuple[Meaning | None, int]:  # fmt: skip
    """Embed what the store lacks (and how many texts that was); no Meaning (meaning
    search off, said once, with why) without a model. Offline, the model is only
    looked for where it would be cached."""
    from indexer.core.embedder import ModelUnavailable, load_embedder
    from indexer.core.settings import SettingsError, load_settings
    from indexer.ingest.vectors import embed_collection

    try:
        settings = load_settings(folder.root, engine_name, model=model)
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    if not settings.meaning:
        return None, 0
    reporter.stage(f"loading the model {settings.model}", 1)
    try:
        embedder = load_embedder(settings.model, offline=offline)
    except ModelUnavailable as error:
        err.print(f"talkseek: meaning search is off: {error}", markup=False, highlight=False,
                  soft_wrap=True)  # a model's name or path is not markup
        return None, 0

    def embedded(done: int, total: int, rate: float) -> None:
        if done == 0:
            reporter.stage("embedding", total)
            return
        left = int((total - done) / rate) if rate > 0 else 0
        reporter.update(done, f"embedding: {rate:.0f} texts/s, {left // 60}:{left % 60:02d} left")

    described = str(embedder.choice.folder or embedder.choice.name)
    return embed_collection(ingested, embedder, described, folder.index, embedded)


@main.command()
@data_option
@engine_option
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def status(data: Path, engine_name: str | None, as_json: bool) -> None:
    """Show each video's transcript status and why a transcript is missing, and which
    index the engine serves."""
    from indexer.cli.render import print_status, status_report
    from indexer.ingest import recorded
    from indexer.ingest.captions import CaptionError

    try:
        ingested = recorded(DataFolder(data))
    except (FileNotFoundError, CaptionError) as error:
        raise click.ClickException(str(error)) from None
    index = _index_status(data, engine_name)
    if as_json:
        click.echo(json.dumps({**status_report(ingested), "index": index}, indent=2))
        return
    print_status(ingested)
    served = index["generation"] or f"nothing served ({index['problem']})"
    click.echo(f"index: {index['engine']}, {served}")
    meaning = index["meaning"]
    click.echo(f"meaning search: on ({meaning['model']}, {meaning['dimensions']} dimensions)"
               if meaning else "meaning search: off (the index has no vectors)")  # fmt: skip


def _index_status(data: Path, engine_name: str | None) -> dict:
    """The engine, the generation it publishes and the model of its vectors, if any."""
    from indexer.engines import why_unserved
    from indexer.engines.protocol import EngineUnavailable, IndexDamaged, IndexMissing

    engine = _engine(data, engine_name)
    try:
        generation = engine.latest_generation()
        if generation is None:
            return {"engine": engine.name, "generation": None, "problem": why_unserved(engine),
                    "meaning": None}  # fmt: skip
        meaning = engine.meaning()
        return {"engine": engine.name, "generation": generation, "problem": None,
                "meaning": meaning.__dict__ if meaning else None}  # fmt: skip
    except (EngineUnavailable, IndexMissing, IndexDamaged) as error:
        return {"engine": engine.name, "generation": None, "problem": str(error), "meaning": None}
    finally:
        engine.close()


# `-ec2` and `-speaker:x` are query syntax, not options: unknown options reach the query
@main.command(context_settings={"ignore_unknown_options": True})
@data_option
@engine_option
@click.argument("query", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--json", "as_json", is_flag=True, help="Print the result structure as JSON.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50),
              help="Talks per page.")  # fmt: skip
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="Order of the talks: best match, or newest first (undated last).")  # fmt: skip
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True,
              help="Answer by keywords, by meaning, or both fused (keyword when the index "
                   "has no vectors).")  # fmt: skip
def search(
    data: Path,
    engine_name: str | None,
    query: tuple[str, ...],
    as_json: bool,
    page: int,
    limit: int,
    sort: str,
    mode: str,
) -> None:
    """Search talks, notes and transcripts; words are AND-ed (see README for the syntax).

    A word with a leading dash is left out: `talkseek search lambda -ec2`."""
    mistyped = [word for word in query if _LONG_OPTION.fullmatch(word)]
    if mistyped:
        raise click.UsageError(f"No such option: {mistyped[0]} (a query word may start with "
                               "one dash, as in -ec2, not two)")
    from indexer.cli.render import print_results
    from indexer.engines.protocol import EngineUnavailable, IndexDamaged, IndexMissing
    from indexer.search import search as run_search

    engine = _engine(data, engine_name)
    try:
        result = run_search(engine, " ".join(query), page=page, per_page=limit, sort=sort,
                            mode=mode)  # fmt: skip
    except (IndexMissing, IndexDamaged, EngineUnavailable) as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.close()
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    print_results(result)


@main.command()
@data_option
@engine_option
@click.option("--quick", is_flag=True, help="Compare sizes and times only, not every byte.")
def check(data: Path, engine_name: str | None, quick: bool) -> None:
    """Verify the index and the caches; exit 1 when anything is damaged.

    Every file of the index is compared with the checksums its build recorded, and
    every cached transcript, passage and parsed notes file is read back.
    """
    from indexer.ingest.checks import cache_problems

    folder = DataFolder(data)
    from indexer.engines.protocol import EngineUnavailable

    engine = _engine(data, engine_name)
    try:
        index = engine.verify(thorough=not quick)
    except EngineUnavailable as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.close()
    caches = cache_problems(folder)
    for problem in index:
        click.echo(f"index: {problem}")
    for problem in caches:
        click.echo(f"cache: {problem}")
    if index or caches:
        hints = ["run `talkseek index` to rebuild the index"] if index else []
        hints += ["delete the damaged cache files: they are made again"] if caches else []
        raise click.ClickException(
            f"{len(index)} index and {len(caches)} cache problems: {'; '.join(hints)}"
        )
    checked = "sizes and times" if quick else "every byte"
    click.echo(f"index and caches intact ({engine.name}: {checked} checked)")


@main.command()
@data_option
@engine_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")  # fmt: skip
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Requests each worker answers at once.")  # fmt: skip
@click.option("--workers", default=None, type=click.IntRange(1, 32),
              show_default="one per core, up to 4",
              help="Server processes (a search uses one core).")  # fmt: skip
def serve(
    data: Path, engine_name: str | None, host: str, port: int, threads: int, workers: int | None
) -> None:
    """Serve the search pages and JSON API (with waitress) until Ctrl-C."""
    # One process per core, each search on one core: numpy's BLAS threads would only
    # contend with the other workers (meaning search multiplies a matrix per query).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from webapp import serving

    workers = workers or serving.default_workers()

    def make_app() -> Flask:  # in each worker: the supervising parent stays small
        from webapp import create_app
        from webapp.warmup import prepare_worker

        app = create_app({"DATA_DIR": data, "ENGINE": engine.name})
        prepare_worker(app)  # before accepting requests, so none waits for what it loads
        return app

    from indexer.engines import why_unserved
    from indexer.engines.protocol import EngineUnavailable

    folder = DataFolder(data)
    engine = _engine(data, engine_name)
    try:
        if engine.latest_generation() is None:
            click.echo(f"warning: nothing to serve ({engine.name}, {folder.root}): "
                       f"{why_unserved(engine)}", err=True)  # fmt: skip
    except EngineUnavailable as error:
        click.echo(f"warning: {error}", err=True)
    finally:
        engine.close()
    try:
        sock = serving.listen(host, port)
    except serving.ServeError as error:
        raise click.ClickException(str(error)) from None
    plural = "s" if workers > 1 else ""
    click.echo(f"talkseek: serving {folder.root} at {serving.address(sock)}  "
               f"({workers} worker{plural}; Ctrl-C to stop)", err=True)  # fmt: skip
    try:
        serving.run(make_app, sock, threads, workers)
    except KeyboardInterrupt:
        pass
    except serving.ServeError as error:
        raise click.ClickException(str(error)) from None
    finally:
        sock.close()
    click.echo("talkseek: stopped", err=True)


if __name__ == "__main__":
    main()
