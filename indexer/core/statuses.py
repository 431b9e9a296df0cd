"""Transcript statuses: what is known about a video's transcript, and why one is missing.

Ingest records them, the index stores them in each talk's record, and the CLI
and the pages explain them; all use these names.
"""

from __future__ import annotations

OK = "ok"
DISABLED = "disabled"
NOT_FOUND = "not_found"
UNAVAILABLE = "unavailable"
AGE_RESTRICTED = "age_restricted"
BLOCKED = "blocked"
NETWORK = "network"
OFFLINE = "offline"
INVALID = "invalid"
MISSING = "missing"
UNKNOWN = "unknown"  # a video the index knows but no transcript attempt has been recorded for

#: Failures that another try will not fix; retried only with --refresh.
PERMANENT = frozenset({DISABLED, NOT_FOUND, UNAVAILABLE, AGE_RESTRICTED})
#: Failures worth retrying on the next run.
TRANSIENT = frozenset({BLOCKED, NETWORK, OFFLINE, INVALID})
STATUSES = (OK, *sorted(PERMANENT), *sorted(TRANSIENT), MISSING)

#: Why a transcript is missing, in words a reader of the talk page understands.
REASONS = {
    OK: "",
    DISABLED: "The video's owner has turned captions off.",
    NOT_FOUND: "The video has no captions in the languages asked for.",
    UNAVAILABLE: "The video is private, removed or unavailable.",
    AGE_RESTRICTED: "The video is age-restricted, so YouTube does not give its captions.",
    BLOCKED: "YouTube refused the request (rate limit or bot check); try again later "
    "or set a proxy.",
    NETWORK: "YouTube could not be reached when the index was built.",
    OFFLINE: "The index was built offline and no transcript was cached for this video.",
    INVALID: "The cached transcript could not be read.",
    MISSING: "No transcript has been fetched for this video yet.",
    UNKNOWN: "No transcript has been fetched for this video yet.",
}
