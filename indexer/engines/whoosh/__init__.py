"""The Whoosh engine: an embedded index in the data folder, no server needed.

Builds write a new generation beside the served one and publish it with one
rename (`generations`); searches score posting arrays exported beside Whoosh's
segments in bulk (`postings`, `scoring`) and rank talks over arrays (`ranking`).
Every import of `whoosh` in talkseek lives in this package, and every patch or
private read of Whoosh in `compat`.

The engine loads Whoosh when it first opens an index, and the build side
(`build`, `writer`) only when a build runs: a server never loads ingest, and
a process that only asks which generation is published loads neither.
"""

from indexer.engines.whoosh.engine import WhooshEngine

__all__ = ["WhooshEngine"]
