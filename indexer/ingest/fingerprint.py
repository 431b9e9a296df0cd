"""A fingerprint of the code that produced a cache, so a cache written by other code is stale.

Modules are named, not imported: a cache can fingerprint the parser that imports
the cache without an import cycle.
"""

from __future__ import annotations

import hashlib
from importlib.util import find_spec
from pathlib import Path


def code_fingerprint(*modules: str) -> str:
    """A short hash of the named modules' source files."""
    digest = hashlib.sha256()
    for name in modules:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(name)
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:16]
