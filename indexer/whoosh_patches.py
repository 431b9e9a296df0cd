"""A fix to Whoosh 2.7 (pinned) that the build needs for speed.

When Whoosh writes a segment it asks each posting's document for its field
length. For fields that keep no lengths (the spelling fields), the per-document
reader looks for the missing column file again on every call: one `stat` per
posting, about a fifth of a build. Segment files never change once written,
so remembering that a column is absent is safe.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3PerDocReader

_original = W3PerDocReader._cached_reader


def _cached_reader(self, fieldname, column):
    if fieldname in self._readers:
        return self._readers[fieldname]
    reader = _original(self, fieldname, column)
    if reader is None:
        self._readers[fieldname] = None  # absent: do not look for the file again
    return reader


W3PerDocReader._cached_reader = _cached_reader
