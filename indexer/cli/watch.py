"""`talkseek index --watch`: the notes watched, the index built again after each change.

The data folder is polled (a notes folder is hundreds of files, or a few thousand: a
stat of each takes milliseconds), so it works alike on every system and on network
drives, and no watcher library is needed. What counts as a change is what a person
edits: notes files, and caption files dropped into `transcripts/`; the transcripts a
build fetches itself (JSON) are taken as seen when it ends, while a `.vtt` or `.srt`
file dropped in as it ran is still a change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from threading import Event

from indexer.core.data_folder import DataFolder

#: Seconds between two looks at the folder.
INTERVAL = 1.0
#: A change is acted on once the folder has stayed the same this long (an editor's save,
#: or a folder of files copied in, is several writes).
SETTLE = 0.5
Snapshot = dict[str, tuple[int, int]]


def _files(folder: Path, patterns: tuple[str, ...], skip: str = "") -> Snapshot:
    found: Snapshot = {}
    for pattern in patterns:
        for path in folder.glob(pattern):
            if skip and path.name.endswith(skip):
                continue
            try:
                status = path.stat()
            except OSError:  # gone between the listing and the look
                continue
            found[path.relative_to(folder).as_posix()] = (status.st_mtime_ns, status.st_size)
    return found


def notes_files(data: DataFolder) -> Snapshot:
    """Every notes file with its time and size."""
    return _files(data.notes, ("**/*.md",))


def caption_files(data: DataFolder) -> Snapshot:
    """Every transcript file with its time and size (not the status files builds write)."""
    return _files(data.transcripts, ("*.json", "*.vtt", "*.srt"), skip=".status.json")


def seen_after_build(before: Snapshot, after: Snapshot) -> Snapshot:
    """The captions as the next look compares with them, once a build has ended: what it
    may have written (fetched transcripts are JSON) taken as seen, and a caption file a
    person dropped in or changed meanwhile (`.vtt`, `.srt`: never a build's) kept as it
    was before, so that the next look finds it changed."""
    seen = dict(after)
    for name in what_changed(before, after):
        if name.endswith(".json"):
            continue
        if name in before:
            seen[name] = before[name]
        else:
            seen.pop(name, None)
    return seen


def what_changed(before: Snapshot, after: Snapshot) -> list[str]:
    """The files added, changed or removed, by name."""
    changed = [name for name in after if before.get(name) != after[name]]
    return sorted(changed + [name for name in before if name not in after])


def watch_notes(
    data: DataFolder,
    build: Callable[[bool], None],
    say: Callable[[str], None],
    interval: float = INTERVAL,
    stop: Event | None = None,
) -> None:
    """Build (`build(first=True)`), then build again after every change until Ctrl-C or
    `stop`. A build's own writes to `transcripts/` are no change; an edit made while a
    build runs is seen afterwards."""
    stop = stop or Event()
    try:
        notes, captions = notes_files(data), caption_files(data)
        build(True)
        captions = seen_after_build(captions, caption_files(data))
        say(f"talkseek: watching {data.notes} and {data.transcripts} for changes "
            "(Ctrl-C to stop)")  # fmt: skip
        while not stop.wait(interval):
            now_notes, now_captions = notes_files(data), caption_files(data)
            if now_notes == notes and now_captions == captions:
                continue
            while not stop.wait(SETTLE):  # until the writing is over
                settled = (notes_files(data), caption_files(data))
                if settled == (now_notes, now_captions):
                    break
                now_notes, now_captions = settled
            changed = what_changed(notes, now_notes) + what_changed(captions, now_captions)
            if stop.is_set() or not changed:  # stopped, or written back as it was
                continue
            shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3
                                              else "")  # fmt: skip
            say(f"talkseek: {shown} changed; indexing again")
            notes = now_notes
            build(False)
            captions = seen_after_build(now_captions, caption_files(data))
            say("talkseek: watching for changes (Ctrl-C to stop)")
    except KeyboardInterrupt:
        pass
    say("talkseek: stopped watching")
