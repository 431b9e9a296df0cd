"""A talk's date, as precise as the notes say: `2023-04-21`, `2023-04`, or a year.

`publish_date` in front matter is read first (any of those forms, or a date with a
time); otherwise the year in the event's name (`AWS re:Invent 2022`) dates the talk.
"""

from __future__ import annotations

import re
from datetime import date

_DATE = re.compile(r"((?:19|20)\d\d)(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?(?:[T ].*)?")
#: four digits not part of a longer number: `TED2015` is dated, `Hall 12019` is not
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def talk_date(record: dict) -> str | None:
    """The ISO date (or year-month, or year) of a talk's record, or None when unknown."""
    published = str(record.get("publish_date") or "").strip()
    found = _DATE.fullmatch(published)
    if found:
        year, month, day = found.groups()
        if day is not None:
            try:
                date(int(year), int(month), int(day))
            except ValueError:  # 2023-02-30: trust the month, not the day
                day = None
        return "-".join(part for part in (year, month, day) if part)
    year = _YEAR.search(str(record.get("event") or ""))
    return year.group(1) if year else None
