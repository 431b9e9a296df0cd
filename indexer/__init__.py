"""talkseek: search conference talks and the notes written about them, down to the moment.

Packages follow the data flow: `core` -> `ingest` -> `engines` -> `search`, with the
`cli` and `webapp` on top (see docs/architecture.md).
"""
