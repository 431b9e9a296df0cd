"""What the CLI prints: search results, index summaries, warnings and status reports."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape

from indexer.core.statuses import OK, STATUSES
from indexer.search.results import clock

if TYPE_CHECKING:
    from indexer.ingest import Ingested

#: Failed videos listed after an index run; `talkseek status` lists them all.
SHOWN_PROBLEMS = 20
#: Warnings `talkseek index` prints; `talkseek status` lists them all.
SHOWN_WARNINGS = 50


_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
#: Control characters a notes file or transcript may hold: on a terminal they could move the
#: cursor, retitle the window or hide text, so they are shown as "?" (tabs stay).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    return _CONTROL.sub("?", text)


def _plain(text: str) -> str:
    """Untrusted text for a rich console: printable, and never read as markup."""
    return escape(_printable(text))


def _terminal(html: str) -> str:
    """A result's marked HTML as terminal text: the searched words bold (plain text where
    colour is off: click leaves styles out when output is not a terminal)."""
    pieces, cursor = [], 0
    for found in _MARK.finditer(html):
        pieces.append(_printable(unescape(html[cursor : found.start()])))
        pieces.append(click.style(_printable(unescape(found.group(1))), bold=True))
        cursor = found.end()
    pieces.append(_printable(unescape(html[cursor:])))
    return "".join(pieces)


def print_results(result: dict) -> None:
    """Talks with their notes and moments; marks become bold."""
    if result["suggestion"]:
        click.echo(f"Did you mean: {result['suggestion']}? (no talk has a word as typed: the "
                   "results are for the closest words the talks have)")
    for notice in result.get("notices", []):
        click.echo(notice)
    if result.get("partial"):
        click.echo("This search took too long and was stopped early: these are the talks found so "
                   "far. Fewer or more specific words give complete results.")  # fmt: skip
    if result["fallback"]:
        click.echo("No talk matches every word; showing talks that match some of them.")
    first = (result["page"] - 1) * result["per_page"] + 1
    if not result["results"]:  # a notice above may already say why
        click.echo("No results." if result.get("notices") else
                   "No results. Try fewer words, a prefix like archi*, or OR between words.")
        return
    last = first + len(result["results"]) - 1
    click.echo(f"Talks {first}-{last} of {result['total']} for {result['query']!r}\n")
    for number, item in enumerate(result["results"], start=first):
        talk = item["talk"]
        byline = " · ".join(
            filter(None, [talk["speaker"], talk["event"], talk["section"], talk.get("date")])
        )
        click.secho(_printable(f"{number}. {talk['title']}"), bold=True)
        if byline:
            click.echo(_printable(f"   {byline}"))
        if talk["url"]:
            click.echo(_printable(f"   {talk['url']}"))
        if talk.get("description_html"):  # found by its record alone: what it is about
            click.echo(f"   {_terminal(talk['description_html'])}")
        source = _printable(talk["source"].split(":")[0])
        for note in item["notes"]:
            when = f" [{clock(note['start'])}]" if note["start"] is not None else ""
            click.echo(f"   - {_terminal(note['html'])}{when}  ({source}:{note['line']})")
        for moment in item["moments"]:
            meaning = "  (similar in meaning)" if moment.get("found_by") == "meaning" else ""
            meaning += "  (said in many talks)" if moment.get("repeated") else ""
            click.echo(f"   {clock(moment['start'])}  {_terminal(moment['html'])}{meaning}")
            if moment["url"]:  # none for a video known only by its local transcript
                click.echo(_printable(f"            {moment['url']}"))
        click.echo()


def status_report(ingested: Ingested) -> dict:
    """The `status --json` structure."""
    return {
        "talks": len(ingested.talks),
        "videos": len(ingested.videos),
        "passages": ingested.passage_count(),
        "transcripts": dict(_ordered(ingested.status_counts())),
        "warnings": [str(warning) for warning in ingested.warnings],
        "videos_detail": [
            {
                "video_id": video_id,
                "status": state.status,
                "message": state.message,
                "checked_at": state.checked_at,
                "last_error": state.last_error or None,
                "talks": ingested.talks_of_video[video_id],
            }
            for video_id, state in ingested.statuses.items()
        ],
    }


def print_status(ingested: Ingested) -> None:
    """Each video's transcript status, why a transcript is missing, then the summary."""
    titles = {talk.id: talk.title for talk in ingested.talks}
    width = max(map(len, STATUSES))
    for video_id, state in ingested.statuses.items():
        talks = "; ".join(titles[talk_id] for talk_id in ingested.talks_of_video[video_id])
        # the status first: ids run from YouTube's 11 characters to long slugs
        click.echo(_printable(f"{state.status:<{width}}  {video_id}  {talks}"))
        if state.message and state.status != OK:
            click.echo(_printable(f"{'':{width + 2}}{state.message}"))
    for warning in ingested.warnings:
        click.echo(_printable(f"warning: {warning}"))
    print_summary(ingested)


def print_warnings(err: Console, ingested: Ingested) -> None:
    """The first warnings and transcript problems: thousands of lines (a folder of copied
    transcripts, say) would bury the summary; `talkseek status` lists every one."""
    for warning in ingested.warnings[:SHOWN_WARNINGS]:  # file names and notes are not markup
        err.print(f"[yellow]warning[/]: {_plain(str(warning))}", highlight=False, soft_wrap=True)
    if len(ingested.warnings) > SHOWN_WARNINGS:
        err.print(f"... and {len(ingested.warnings) - SHOWN_WARNINGS} more warnings "
                  "(see `talkseek status`)")  # fmt: skip
    problems = [s for s in ingested.statuses.values() if s.status != OK]
    for state in problems[:SHOWN_PROBLEMS]:
        err.print(
            f"[yellow]{state.status}[/]: {_plain(state.video_id)}: {_plain(state.message)}",
            highlight=False,
            soft_wrap=True,
        )
    if len(problems) > SHOWN_PROBLEMS:
        err.print(f"... and {len(problems) - SHOWN_PROBLEMS} more (see `talkseek status`)")


def _ordered(counts: Counter[str]) -> list[tuple[str, int]]:
    """Status counts with ok first, then in the store's order."""
    order = {name: place for place, name in enumerate(STATUSES)}
    return sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


def print_summary(ingested: Ingested) -> None:
    counts = ", ".join(f"{count} {name}" for name, count in _ordered(ingested.status_counts()))
    no_video = sum(1 for talk in ingested.talks if not talk.videos)
    repeated = sum(map(len, ingested.repeated.values()))
    said_often = f" ({repeated} said in many talks, as sponsor reads are)" if repeated else ""
    unsaid = len(ingested.title_unsaid)  # warned of last, so past the warnings shown
    off_title = (f", {unsaid} of them talks whose transcript says none of their title's words"
                 if unsaid else "")  # fmt: skip
    click.echo(
        f"{len(ingested.talks)} talks ({no_video} notes only), {len(ingested.videos)} videos; "
        f"transcripts: {counts or 'none'}; {ingested.passage_count()} passages{said_often}; "
        f"{len(ingested.warnings)} warnings{off_title}"
    )
