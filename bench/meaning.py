"""Meaning search on the podcasts: how well each mode finds ideas and known items, how fast.

    python bench/meaning.py --model ../shared/models/all-MiniLM-L6-v2-onnx
    python bench/meaning.py --model DIR --work /tmp/podcasts   # keep the data (and vectors)
    python bench/meaning.py --model DIR --engine typesense     # on a three-node cluster

The podcasts are indexed by the real `talkseek index --model`, which embeds what its
vector store lacks: the first run embeds everything (about twenty minutes on two
cores), a run on a kept folder nothing. The embedding rate is always measured on a
fresh sample. Then, for keyword, meaning and hybrid search:

- the queries of `bench/meaning_queries.yaml` (an idea without its words): the episode
  first, in the top five, and a moment within 60 s of the turn;
- known items (the rarest words of a turn, and the same with a typo): the episode first,
  its moment within 60 s, the episode in the top three despite the typo;
- titles and surnames typed alone (`bench/relevance.py`): the talk they name found first;
- each acronym the talks spell out, typed alone: moments saying it or its words;
- query latency (p50, p95) over all of those, in process, as a server worker runs them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `indexer` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from bench.cluster import BenchCluster
from bench.http_load import drive, start_server, stop_server
from bench.known_items import known_items, with_typo
from bench.queries import BenchQuery
from bench.relevance import surname_precision, title_mrr
from indexer.core.data_folder import DataFolder
from indexer.engines import open_engine
from indexer.engines.protocol import MODES, Engine
from indexer.search import search
from indexer.search.acronyms import acronyms_of
from indexer.search.meaning import forget_query_vectors

ROOT = Path(__file__).resolve().parent.parent
QUERIES = Path(__file__).resolve().parent / "meaning_queries.yaml"
SAMPLE = 2048  # fresh texts embedded to measure the rate
KNOWN_ITEMS = 60
NAMES, SEED = 300, 5  # titles and surnames drawn from the records (as bench/relevance.py)
TARGETS = {"hybrid_top5_share": 0.5, "hybrid_p95_ms": 50}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def prepare(corpus: Path, data: Path, model: str) -> dict:
    """The podcasts in `data`, indexed with the model; what indexing took."""
    if not (data / "notes").is_dir():
        shutil.copytree(corpus / "lenny" / "notes", data / "notes")
        shutil.copytree(corpus / "lenny" / "transcripts", data / "transcripts")
    began = time.monotonic()
    command = [sys.executable, "-m", "indexer", "index", "--offline", "--data", str(data),
               "--model", model]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"talkseek index failed:\n{done.stderr[-3000:]}")
    found = re.search(r"; (\d+) texts embedded now", done.stdout)
    return {"index_s": round(time.monotonic() - began, 1),
            "embedded_now": int(found.group(1)) if found else 0}  # fmt: skip


def embedding_rate(data: Path, model: str) -> dict:
    """Texts a second, embedding SAMPLE passages as `talkseek index` does (batches)."""
    from indexer.core.embedder import load_embedder
    from indexer.ingest import read_talks, sync_transcripts
    from indexer.ingest.vectors import collection_texts

    folder = DataFolder(data)
    texts = collection_texts(sync_transcripts(read_talks(folder), folder, None))
    sample = texts[len(texts) // 2 :][:SAMPLE]
    embedder = load_embedder(model)
    began = time.monotonic()
    for first in range(0, len(sample), 256):
        embedder.embed(sample[first : first + 256])
    rate = len(sample) / (time.monotonic() - began)
    distinct = len(set(texts))
    return {"texts": distinct, "embed_rate_per_s": round(rate, 1),
            "embed_all_min": round(distinct / rate / 60, 1)}  # fmt: skip


def vector_sizes(data: Path) -> dict:
    from indexer.engines.whoosh import generations

    current = generations.current(DataFolder(data).index)
    assert current is not None
    files = list((current / "vectors").glob("*.npy"))
    store = DataFolder(data).index / "vectors"
    return {
        "vectors_disk_mb": round(sum(f.stat().st_size for f in files) / 2**20, 1),
        "vector_store_mb": round(sum(f.stat().st_size for f in store.glob("*")) / 2**20, 1),
    }


def evaluate(engine: Engine, corpus: Path) -> dict:
    """Each mode's hits on the idea and known-item queries, then its latency over the same
    queries in a second pass (the first pass warms what a long-running server has warm)."""
    ideas = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    items = known_items(corpus, count=KNOWN_ITEMS)
    texts = [idea["query"] for idea in ideas] + [" ".join(rare) for rare, _, _ in items]
    texts += [" ".join([with_typo(rare[0]), *rare[1:]]) for rare, _, _ in items]
    figures: dict = {}
    for mode in MODES:
        first = top5 = moment = 0
        for idea in ideas:
            result = search(engine, idea["query"], mode=mode)
            ids = [item["talk"]["id"] for item in result["results"]]
            first += bool(ids) and ids[0] == idea["talk"]
            top5 += idea["talk"] in ids[:5]
            item = next((r for r in result["results"][:5] if r["talk"]["id"] == idea["talk"]),
                        None)  # fmt: skip
            moment += item is not None and any(
                m["video_id"] == idea["video"] and abs(m["start"] - idea["at"]) <= 60
                for m in item["moments"])  # fmt: skip
        known_first = known_moment = typo_top3 = 0
        for rare, talks, said_at in items:
            result = search(engine, " ".join(rare), mode=mode)
            ids = [item["talk"]["id"] for item in result["results"]]
            if ids and ids[0] in talks:
                known_first += 1
                known_moment += any(abs(m["start"] - said_at) <= 60
                                    for m in result["results"][0]["moments"])  # fmt: skip
            typo = search(engine, " ".join([with_typo(rare[0]), *rare[1:]]), mode=mode)
            typo_top3 += bool(talks & {item["talk"]["id"] for item in typo["results"][:3]})
        figures[mode] = {
            "ideas": len(ideas), "idea_top1": first, "idea_top5": top5, "idea_moment": moment,
            "known": len(items), "known_top1": known_first, "known_moment": known_moment,
            "typo_top3": typo_top3,
            "title_mrr": round(title_mrr(engine, NAMES, SEED, mode), 3),
            "surname_precision": round(surname_precision(engine, NAMES, SEED, mode), 3),
            "acronym_precision": round(acronym_precision(engine, mode), 3),
        }  # fmt: skip
    for mode in MODES:
        forget_query_vectors()  # every query is embedded again, as a new one would be
        timings = []
        for text in texts:
            began = time.perf_counter()
            search(engine, text, mode=mode)
            timings.append((time.perf_counter() - began) * 1000)
        figures[mode]["p50_ms"] = round(percentile(timings, 0.5), 1)
        figures[mode]["p95_ms"] = round(percentile(timings, 0.95), 1)
    return figures


def acronym_precision(engine: Engine, mode: str) -> float:
    """Each acronym the talks spell out, typed alone: the share of its first ten talks
    whose first moment says it or what it stands for, averaged over the acronyms. Words
    are the judge, so a moment on the idea in other words counts as a miss."""
    table = acronyms_of(engine)
    shares = []
    for acronym, forms in sorted(table.items()):
        said = [f" {acronym} ", *(f" {_plain(form)} " for form in forms)]
        found = search(engine, acronym.upper(), mode=mode)["results"][:10]
        shares.append(sum(any(form in f" {_plain(item['moments'][0]['text'])} " for form in said)
                          for item in found if item["moments"]) / 10)  # fmt: skip
    return sum(shares) / len(shares) if shares else 0.0


def _plain(text: str) -> str:
    """Lowercase words and numbers apart (`product-market fit` is "product market fit")."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def table(figures: dict) -> str:
    rows = ["| | " + " | ".join(MODES) + " |", "| --- |" + " --- |" * len(MODES)]
    labels = {
        "idea_top1": "idea: episode first", "idea_top5": "idea: episode in top 5",
        "idea_moment": "idea: moment within 60 s", "known_top1": "known item: episode first",
        "known_moment": "known item: moment within 60 s", "typo_top3": "typo: episode in top 3",
        "title_mrr": "title typed as words: MRR",
        "surname_precision": "surname alone: share of first results theirs",
        "acronym_precision": "acronym alone: share of first ten saying it or its words",
        "p50_ms": "query p50 (ms)", "p95_ms": "query p95 (ms)",
    }  # fmt: skip
    for key, label in labels.items():
        cells = []
        for mode in MODES:
            value = figures["modes"][mode][key]
            whole = figures["modes"][mode]["ideas" if key.startswith("idea") else "known"]
            cells.append(f"{value}/{whole}" if key.startswith(("idea", "known", "typo"))
                         else f"{value}")  # fmt: skip
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    lines = [f"{key}: {value}" for key, value in figures.items() if key != "modes"]
    return "\n".join([*rows, "", *lines])


def cluster_folder(data: Path) -> Path:
    """Where the local cluster of a Typesense run on `data` keeps its nodes' data."""
    return data.parent / f"{data.name}-cluster"


def measure(corpus: Path, model: str, data: Path, engine_name: str = "whoosh") -> dict:
    """Every figure of meaning search on the podcasts, indexed in `data` (kept there)."""
    if engine_name == "typesense":
        cluster = BenchCluster(cluster_folder(data))
        print("starting a local three-node Typesense cluster...", file=sys.stderr)
        cluster.start()
        try:
            data.mkdir(parents=True, exist_ok=True)
            cluster.configure(data)
            return _measure(corpus, model, data, engine_name)
        finally:
            cluster.stop()
            (data / "talkseek.toml").unlink(missing_ok=True)
    return _measure(corpus, model, data, engine_name)


def _measure(corpus: Path, model: str, data: Path, engine_name: str) -> dict:
    print(f"indexing the podcasts with {model} in {data} ({engine_name})...", file=sys.stderr)
    figures: dict = {"engine": engine_name, **prepare(corpus, data, model)}
    print("measuring the embedding rate...", file=sys.stderr)
    figures.update(embedding_rate(data, model))
    if engine_name == "whoosh":
        figures.update(vector_sizes(data))
    engine = open_engine(DataFolder(data), engine_name)
    engine.warm()
    search(engine, "warm the model up", mode="hybrid")
    print("evaluating keyword, meaning and hybrid search...", file=sys.stderr)
    figures["modes"] = evaluate(engine, corpus)
    engine.close()
    print("HTTP: hybrid searches against talkseek serve, 4 clients...", file=sys.stderr)
    figures.update(serve_figures(data, corpus))
    return figures


def serve_figures(data: Path, corpus: Path, seconds: float = 15.0) -> dict:
    """Hybrid searches over HTTP with 4 clients, and the server's memory afterwards (each
    worker holds the model for queries; the vectors are mapped, shared between them)."""
    ideas = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    queries = [BenchQuery("idea", idea["query"], "") for idea in ideas]
    queries += [BenchQuery("known", " ".join(rare), "")
                for rare, _, _ in known_items(corpus, count=KNOWN_ITEMS)]  # fmt: skip
    server = start_server(data)
    try:
        drive(server.url, queries[:8], 2, 2.0)  # every worker loads its model first
        samples, elapsed = drive(server.url, queries, 4, seconds)
        return {
            "http_hybrid_rps_4": round(len(samples) / elapsed, 1),
            "http_hybrid_p95_ms_4": round(percentile([s.ms for s in samples], 0.95), 1),
            "http_hybrid_errors": sum(not s.ok for s in samples),
            "server_rss_mb": server.rss_mb(),
            "server_pss_mb": server.pss_mb(),
        }
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default_corpus = os.environ.get("TALKSEEK_CORPUS", ROOT.parent / "shared" / "corpus")
    parser.add_argument("--corpus", type=Path, default=Path(default_corpus))
    parser.add_argument("--model", required=True, help="the model folder or fastembed name")
    parser.add_argument("--work", type=Path, help="data folder to use and keep (vectors too)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--engine", choices=("whoosh", "typesense"), default="whoosh",
                        help="the engine measured (typesense: a local three-node cluster)")
    args = parser.parse_args(argv)
    if not (args.corpus / "lenny" / "transcripts").is_dir():
        parser.error(f"no podcasts at {args.corpus}/lenny: pass --corpus DIR")
    # without --work, the data folder and a cluster's nodes (beside it) share one scratch
    # folder, removed at the end
    scratch = None if args.work else Path(tempfile.mkdtemp(prefix="talkseek-meaning-"))
    work = args.work or scratch / "data"
    try:
        figures = measure(args.corpus.resolve(), args.model, work.resolve(), args.engine)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
