"""Search results as readable terminal text, for `talkseek search`."""

from __future__ import annotations

import click


def clock(seconds: float | None) -> str:
    """Seconds as h:mm:ss (the form people read timestamps in)."""
    if seconds is None or seconds < 0:
        return ""
    total = int(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def print_results(result: dict) -> None:
    """Talks with their notes and moments; marks become bold."""
    if result["suggestion"]:
        click.echo(f"Did you mean: {result['suggestion']}")
    if result["fallback"]:
        click.echo("No talk matches every word; showing talks that match some of them.")
    first = (result["page"] - 1) * result["per_page"] + 1
    if not result["results"]:
        click.echo("No results. Try fewer words, a prefix like archi*, or OR between words.")
        return
    last = first + len(result["results"]) - 1
    click.echo(f"Talks {first}-{last} of {result['total']} for {result['query']!r}\n")
    for number, item in enumerate(result["results"], start=first):
        talk = item["talk"]
        byline = " · ".join(filter(None, [talk["speaker"], talk["event"], talk["section"]]))
        click.secho(f"{number}. {talk['title']}", bold=True)
        if byline:
            click.echo(f"   {byline}")
        if talk["url"]:
            click.echo(f"   {talk['url']}")
        for note in item["notes"]:
            when = f" [{clock(note['start'])}]" if note["start"] is not None else ""
            click.echo(
                f"   - {note['text']}{when}  ({talk['source'].split(':')[0]}:{note['line']})"
            )
        for moment in item["moments"]:
            click.echo(f"   {clock(moment['start'])}  {moment['text']}")
            click.echo(f"            {moment['url']}")
        click.echo()
