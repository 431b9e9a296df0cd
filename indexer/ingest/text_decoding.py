"""Bytes of a file people write (notes, caption files) → text, losing no letter.

Such files are UTF-8 nearly always; the rest were mostly saved by older editors and
subtitle tools as Windows-1252. A file that is not all UTF-8 is read line by line: each
line that is UTF-8 as such, the others as Windows-1252 (Latin-1 where Windows-1252 leaves
a byte undefined), and the reader is told where, to warn the user."""

from __future__ import annotations


def decode_text(data: bytes) -> tuple[str, tuple[int, str] | None]:
    """The text (a UTF-8 byte order mark dropped), and (line, message) when some lines
    were not UTF-8: the first such line, and what was done."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        text, legacy = _legacy_lines(data.removeprefix(b"\xef\xbb\xbf"))
        where = "1 line" if legacy == 1 else f"{legacy} lines"
        return text, (line, f"invalid UTF-8 (byte {error.start}): {where} read as "
                            "Windows-1252, the encoding such files mostly have; save the "
                            "file as UTF-8")  # fmt: skip


def _legacy_lines(data: bytes) -> tuple[str, int]:
    """The text, each line decoded on its own, and how many lines were not UTF-8."""
    lines: list[str] = []
    legacy = 0
    for line in data.split(b"\n"):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            legacy += 1
            try:
                lines.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                lines.append(line.decode("latin-1"))
    return "\n".join(lines), legacy
