"""The Whoosh patches must leave indexes exactly as Whoosh itself would write them."""

from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

WORDS = [
    "serverless",
    "event",
    "driven",
    "latency",
    "cold",
    "start",
    "graviton",
    "lambda",
    "queue",
    "stream",
]


def _documents(count: int) -> list[dict]:
    return [
        {
            "doc_id": str(number),
            "body": " ".join(WORDS[(number * step) % len(WORDS)] for step in range(1, 9)),
        }
        for number in range(count)
    ]


def _postings(folder, limitmb: float) -> dict:
    ix = whoosh_index.create_in(str(folder), Schema(doc_id=ID(stored=True), body=TEXT(phrase=True)))
    writer = ix.writer(limitmb=limitmb)
    pool = writer.pool
    for document in _documents(3000):
        writer.add_document(**document)
    spilled = len(pool.runs)
    writer.commit()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        found = {}
        for field, term in reader.all_terms():
            found[field, term] = _all(reader.postings(field, term))
    return spilled, found


def _all(matcher) -> list[tuple[int, bytes]]:
    items = []
    while matcher.is_active():
        items.append((matcher.id(), matcher.value()))
        matcher.next()
    return items


def test_postings_spilled_to_disk_in_chunks_come_back_complete_and_in_order(tmp_path):
    (tmp_path / "memory").mkdir()
    (tmp_path / "spilled").mkdir()
    in_memory_runs, in_memory = _postings(tmp_path / "memory", limitmb=64)
    spilled_runs, spilled = _postings(tmp_path / "spilled", limitmb=0.02)
    assert in_memory_runs == 0
    assert spilled_runs > 128  # more runs than Whoosh merges at once: runs of merged runs too
    assert spilled == in_memory
    assert len(in_memory) > len(WORDS)
