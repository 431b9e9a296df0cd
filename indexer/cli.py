"""The `talkseek` command: thin click commands over the indexer library."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from indexer import serving
from indexer.data_folder import DataFolder
from indexer.generations import BuildLocked
from indexer.generations import current as current_generation
from indexer.talks import VideoRef
from indexer.transcripts import OK, STATUSES, TranscriptStatus

if TYPE_CHECKING:
    from indexer.collect import Collection

# Commands import the heavy parts (Whoosh, nltk, numpy, the fetcher) when they run:
# `talkseek serve`'s supervising process then stays small, and `--help` is quick.

SHOWN_PROBLEMS = 20

data_option = click.option(
    "--data",
    "data",
    type=click.Path(file_okay=False, path_type=Path),
    default="data",
    envvar="TALKSEEK_DATA",
    show_default=True,
    help="Data folder holding notes/, transcripts/ and index/ (env TALKSEEK_DATA).",
)


@click.group()
@click.version_option(package_name="talkseek")
def main() -> None:
    """talkseek: search conference talks and your notes about them, down to the moment."""


@main.command()
@data_option
@click.option("--offline", is_flag=True, help="Fetch nothing; use cached transcripts only.")
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
def index(
    data: Path,
    offline: bool,
    refresh: bool,
    full: bool,
    lang: str,
    proxy: str | None,
    strict: bool,
) -> None:
    """Read notes, fetch or load transcripts, and build the search index.

    Exits 0 when an index was built, even with warnings (unless --strict), and
    non-zero when none could be: no notes, the index locked, or unwritable.
    """
    from indexer.build import build_index
    from indexer.collect import read_talks, sync_transcripts
    from indexer.fetcher import YouTubeFetcher

    folder = DataFolder(data)
    languages = [code.strip() for code in lang.split(",") if code.strip()] or ["en"]
    fetcher = None if offline else YouTubeFetcher(languages, proxy=proxy)
    err = Console(stderr=True)
    try:
        collection = read_talks(folder)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from None
    if not collection.talks:
        _print_warnings(err, collection)
        raise click.ClickException(
            f"no talks found in {folder.notes}; the index was left as it was"
        )
    with Progress(
        TextColumn("[bold]talkseek"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=len(collection.videos))

        def advance(video: VideoRef, status: TranscriptStatus) -> None:
            bar.update(task, advance=1, description=f"{video.video_id} {status.status}")

        sync_transcripts(collection, folder, fetcher, refresh=refresh, progress=advance)
        bar.update(task, completed=0, total=len(collection.talks), description="indexing talks")

        def indexed(done: int, total: int) -> None:
            bar.update(task, completed=done, description="indexing talks")

        try:
            report = build_index(collection, folder.index, full=full, progress=indexed)
        except BuildLocked as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            raise click.ClickException(
                f"cannot write the index in {folder.index}: {error.strerror or error}"
                f"{f' ({error.filename})' if error.filename else ''}; "
                "the previous index, if any, is still the one searched"
            ) from None
    _print_warnings(err, collection)
    _print_summary(collection)
    click.echo(str(report))
    failed = [s for s in collection.statuses.values() if s.status != OK]
    if strict and (collection.warnings or failed):
        raise click.ClickException(
            f"--strict: {len(collection.warnings)} notes warnings, "
            f"{len(failed)} videos without a fresh transcript"
        )


@main.command()
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def status(data: Path, as_json: bool) -> None:
    """Show each video's transcript status and why a transcript is missing."""
    from indexer.captions import CaptionError
    from indexer.collect import recorded

    try:
        collection = recorded(DataFolder(data))
    except (FileNotFoundError, CaptionError) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(status_report(collection), indent=2))
        return
    titles = {talk.id: talk.title for talk in collection.talks}
    for video_id, state in collection.statuses.items():
        talks = "; ".join(titles[talk_id] for talk_id in collection.talks_of_video[video_id])
        click.echo(f"{video_id}  {state.status:<14} {talks}")
        if state.message and state.status != OK:
            click.echo(f"{'':13}{state.message}")
    _print_summary(collection)


@main.command()
@data_option
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result structure as JSON.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50),
              help="Talks per page.")  # fmt: skip
def search(data: Path, query: tuple[str, ...], as_json: bool, page: int, limit: int) -> None:
    """Search talks, notes and transcripts; words are AND-ed (see README for the syntax)."""
    from indexer.render import print_results
    from indexer.search import IndexMissing
    from indexer.search import search as run_search

    try:
        result = run_search(DataFolder(data).index, " ".join(query), page=page, per_page=limit)
    except IndexMissing as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    print_results(result)


@main.command()
@data_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")  # fmt: skip
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Requests each worker answers at once.")  # fmt: skip
@click.option("--workers", default=serving.default_workers(), type=click.IntRange(1, 32),
              show_default="one per core, up to 4",
              help="Server processes (a search uses one core).")  # fmt: skip
def serve(data: Path, host: str, port: int, threads: int, workers: int) -> None:
    """Serve the search pages and JSON API (with waitress) until Ctrl-C."""

    def make_app():  # in each worker: the supervising parent stays small
        from webapp import create_app
        from webapp.index_cache import warm_index

        app = create_app({"DATA_DIR": data})
        warm_index(app)  # before accepting requests, so none waits for the index to open
        return app

    folder = DataFolder(data)
    if current_generation(folder.index) is None:
        click.echo(f"warning: no index in {folder.index} yet; run `talkseek index`.", err=True)
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


def status_report(collection: Collection) -> dict:
    """The `status --json` structure."""
    return {
        "talks": len(collection.talks),
        "videos": len(collection.videos),
        "passages": collection.passage_count(),
        "transcripts": dict(_ordered(collection.status_counts())),
        "warnings": [str(warning) for warning in collection.warnings],
        "videos_detail": [
            {
                "video_id": video_id,
                "status": state.status,
                "message": state.message,
                "checked_at": state.checked_at,
                "last_error": state.last_error or None,
                "talks": collection.talks_of_video[video_id],
            }
            for video_id, state in collection.statuses.items()
        ],
    }


def _print_warnings(err: Console, collection: Collection) -> None:
    for warning in collection.warnings:
        err.print(f"[yellow]warning[/]: {warning}", highlight=False, soft_wrap=True)
    problems = [s for s in collection.statuses.values() if s.status != OK]
    for state in problems[:SHOWN_PROBLEMS]:
        err.print(
            f"[yellow]{state.status}[/]: {state.video_id}: {state.message}",
            highlight=False,
            soft_wrap=True,
        )
    if len(problems) > SHOWN_PROBLEMS:
        err.print(f"... and {len(problems) - SHOWN_PROBLEMS} more (see `talkseek status`)")


def _ordered(counts: Counter[str]) -> list[tuple[str, int]]:
    """Status counts with ok first, then in the store's order."""
    order = {name: place for place, name in enumerate(STATUSES)}
    return sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


def _print_summary(collection: Collection) -> None:
    counts = ", ".join(f"{count} {name}" for name, count in _ordered(collection.status_counts()))
    no_video = sum(1 for talk in collection.talks if not talk.videos)
    click.echo(
        f"{len(collection.talks)} talks ({no_video} notes only), {len(collection.videos)} videos; "
        f"transcripts: {counts or 'none'}; {collection.passage_count()} passages; "
        f"{len(collection.warnings)} warnings"
    )


if __name__ == "__main__":
    main()
