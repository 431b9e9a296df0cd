"""The Typesense engine: the same documents and query plans on a Typesense cluster."""

from indexer.engines.typesense.engine import TypesenseEngine

__all__ = ["TypesenseEngine"]
