"""Notes text that was UTF-8 once read in another encoding (`BrenÃ©` for `Brené`), as
exports and copy-paste leave it: repaired line by line by ftfy, which changes only what it
can read back as UTF-8 with confidence, so the talk is found as `brene` and shown right.
The file itself is never changed; the notes reader warns where it repaired."""

from __future__ import annotations

from dataclasses import dataclass, field

import ftfy


@dataclass(frozen=True)
class Repaired:
    """A text as repaired, the lines changed (1-based) and the first word changed."""

    text: str
    lines: list[int] = field(default_factory=list)
    example: tuple[str, str] = ("", "")  # as written, as repaired

    def message(self) -> str:
        written, repaired = self.example
        count = len(self.lines)
        where = "1 line" if count == 1 else f"{count} lines"
        return (
            f"text on {where} looks mis-encoded (UTF-8 read as another encoding), "
            f"{written!r} read as {repaired!r}: indexed as repaired, the file unchanged"
        )


def repair_mojibake(text: str) -> Repaired:
    """The text with each mis-encoded line repaired; line breaks are kept as they are."""
    if text.isascii():  # the common case: nothing to repair
        return Repaired(text)
    lines = text.split("\n")
    changed: list[int] = []
    example = ("", "")
    for number, line in enumerate(lines, 1):
        if line.isascii():
            continue
        fixed = ftfy.fix_encoding(line)
        if fixed != line:
            if not changed:
                example = _first_change(line, fixed)
            changed.append(number)
            lines[number - 1] = fixed
    if not changed:
        return Repaired(text)
    return Repaired("\n".join(lines), changed, example)


def _first_change(line: str, fixed: str) -> tuple[str, str]:
    """The first word that differs, as written and as repaired (else the whole line)."""
    for written, repaired in zip(line.split(), fixed.split(), strict=False):
        if written != repaired:
            return written, repaired
    return line.strip(), fixed.strip()
