"""talkseek at scale: build, update, query and HTTP figures beside an FTS5 baseline.

    python bench/run.py                  # the full corpus (TED + Lenny), ~10 minutes
    python bench/run.py --quick          # a tenth of it, a few minutes
    python bench/run.py --json out.json  # also write the figures
    python bench/run.py --engine typesense   # on a local three-node Typesense cluster
    python bench/run.py --engine both        # both engines, side by side
    python bench/run.py --scale 3            # the corpus three times over, under new ids
    python bench/run.py --meaning MODEL      # also meaning search on the podcasts

The corpus is written into a temporary data folder and indexed by the real
`talkseek index`; `talkseek serve` answers the HTTP part. Queries come from a
fixed seed; each is then timed once more stage by stage (`bench/stages.py`). Figures
are printed as a table, with the targets beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `indexer` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.baseline import Fts5Baseline
from bench.cluster import BenchCluster
from bench.corpus import write_data_folder
from bench.http_load import drive, start_server, stop_server
from bench.meaning import measure as measure_meaning
from bench.meaning import table as meaning_table
from bench.queries import CLASSES, BenchQuery, make_queries
from bench.relevance import measure as measure_relevance
from bench.stages import stage_timings
from indexer.core.data_folder import DataFolder
from indexer.engines import open_engine
from indexer.engines.whoosh import generations
from indexer.search import search
from webapp.memory import TRIM_SECONDS

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "build_s": 180,
    "update_one_s": 3,
    "query_p95_ms": 30,
    "http_p95_ms": 50,
    "http_rps_4": 100,
    "server_rss_mb": 500,
}
SEED = 2024
HIGHER_IS_BETTER = {"http_rps_4", "http_rps_1"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def talkseek(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "indexer", *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"`talkseek {' '.join(args)}` failed:\n{done.stderr[-3000:]}")
    return done


def talkseek_peak_mb(*args: str) -> int:
    """Run `talkseek` and return the peak RSS of that process alone (MB), from the rusage
    its wait returns: RUSAGE_CHILDREN would give the largest of every earlier child too."""
    command = [sys.executable, "-m", "indexer", *args]
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(args)} exited with {process.returncode}:\n"
                               f"{errors.read()[-3000:]}")  # fmt: skip
    return round(usage.ru_maxrss / 1024)


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def time_queries(
    run, queries: list[BenchQuery], warm_up: list[BenchQuery], found=bool
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Milliseconds per query by class, after an untimed pass of other queries, and per
    class the share of queries answered with anything (`found` judges an answer).

    The warm-up queries differ from the timed ones, so caches help only as much as
    they would between two different users' searches. The shares tell a fast answer
    from a fast empty one: a baseline that finds nothing for a typo is quick.
    """
    for query in warm_up:
        run(query)
    timings: dict[str, list[float]] = {kind: [] for kind in CLASSES}
    answered: dict[str, int] = dict.fromkeys(CLASSES, 0)
    for query in queries:
        began = time.perf_counter()
        answer = run(query)
        timings[query.kind].append((time.perf_counter() - began) * 1000)
        answered[query.kind] += bool(found(answer))
    shares = {kind: round(answered[kind] / len(values), 2)
              for kind, values in timings.items() if values}  # fmt: skip
    return timings, shares


def latency_figures(prefix: str, timed: tuple[dict[str, list[float]], dict[str, float]]
                    ) -> dict[str, float]:  # fmt: skip
    timings, answered = timed
    figures = {}
    for kind, values in timings.items():
        for name, share in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            figures[f"{prefix}_{kind}_{name}_ms"] = round(percentile(values, share), 2)
        if kind in answered:
            figures[f"{prefix}_{kind}_answered"] = answered[kind]
    every = [value for values in timings.values() for value in values]
    figures[f"{prefix}_p95_ms"] = round(percentile(every, 0.95), 2)
    return figures


def stage_figures(timings: dict[str, dict[str, list[float]]]) -> dict[str, float]:
    """p95 of each stage of a search (`bench.stages`) per query class."""
    return {f"stage_{stage}_{kind}_p95_ms": round(percentile(values, 0.95), 2)
            for stage, by_kind in timings.items() for kind, values in by_kind.items()}  # fmt: skip


def bench(corpus: Path, work: Path, quick: bool, talks_limit: int | None, http_seconds: float,
          per_class: int, engine_name: str = "whoosh", scale: int = 1,
          baseline: bool = True) -> dict:  # fmt: skip
    figures: dict = {"engine": engine_name, "corpus": str(corpus), "quick": quick, "scale": scale}
    data = work / "data"
    print("writing the corpus into", data, file=sys.stderr)
    talks = write_data_folder(corpus, data, every=10 if quick else 1, limit=talks_limit,
                              copies=scale)  # fmt: skip
    figures["talks"] = len(talks) * scale
    figures["snippets"] = sum(len(talk.snippets) for talk in talks) * scale
    cluster = None
    if engine_name == "typesense":
        cluster = BenchCluster(work / "cluster")
        print("starting a local three-node Typesense cluster...", file=sys.stderr)
        cluster.start()
        cluster.configure(data)
    try:
        _measure(figures, corpus, data, work, talks, http_seconds, per_class, cluster, baseline)
    finally:
        if cluster is not None:
            cluster.stop()
    return figures


def _measure(figures, corpus, data, work, talks, http_seconds, per_class, cluster,
             baseline) -> None:  # fmt: skip

    print("full build (talkseek index --offline --full)...", file=sys.stderr)
    began = time.perf_counter()
    figures["build_rss_mb"] = talkseek_peak_mb("index", "--offline", "--full", "--data", str(data))
    figures["build_s"] = round(time.perf_counter() - began, 1)
    index_dir = data / "index"
    if cluster is None:
        figures["index_mb"] = round(folder_mb(generations.current(index_dir)), 1)
    else:  # every node holds the whole index
        figures["index_mb"] = round(cluster.disk_mb() / cluster.nodes, 1)

    edited = next((data / "notes" / "lenny").glob("*.md"), None) or next(
        (data / "notes").rglob("*.md")
    )
    with edited.open("a", encoding="utf-8") as handle:
        handle.write("\n* A note added by the benchmark about incremental builds\n")
    began = time.perf_counter()
    talkseek("index", "--offline", "--data", str(data))
    figures["update_one_s"] = round(time.perf_counter() - began, 2)

    queries = make_queries(talks, per_class, seed=SEED)
    warm_up = make_queries(talks, max(3, per_class // 4), seed=SEED + 1)
    figures["queries"] = len(queries)
    print(f"{len(queries)} queries in process...", file=sys.stderr)
    engine = open_engine(DataFolder(data))
    try:
        figures["passages"] = engine.stats().passages
        figures.update(
            latency_figures(
                "query", time_queries(lambda q: search(engine, q.text), queries, warm_up,
                                     found=lambda page: page["total"] > 0)
            )
        )
        figures.update(stage_figures(stage_timings(engine, queries)))
        print("relevance: titles, surnames, shared names and known items...", file=sys.stderr)
        figures.update(measure_relevance(engine, corpus))
    finally:
        engine.close()

    if baseline:
        _baseline(figures, work, talks, queries, warm_up)

    print(f"HTTP: talkseek serve, {http_seconds:.0f}s with 1 then 4 clients...", file=sys.stderr)
    server = start_server(data)
    try:
        for clients in (1, 4):
            samples, elapsed = drive(server.url, queries, clients, http_seconds)
            figures[f"http_rps_{clients}"] = round(len(samples) / elapsed, 1)
            figures[f"http_p95_ms_{clients}"] = round(
                percentile([sample.ms for sample in samples], 0.95), 1
            )
            figures[f"http_errors_{clients}"] = sum(not sample.ok for sample in samples)
        figures["http_p95_ms"] = figures["http_p95_ms_4"]
        figures["server_rss_mb"] = server.rss_mb()  # right after the load
        figures["server_pss_mb"] = server.pss_mb()
        time.sleep(TRIM_SECONDS + 1)  # workers hand free memory back once idle
        figures["server_rss_idle_mb"] = server.rss_mb()
        if cluster is not None:
            figures["typesense_rss_mb"] = cluster.rss_mb()
            figures["serving_rss_mb"] = round(figures["server_pss_mb"] + cluster.rss_mb(), 1)
    finally:
        stop_server(server)


def _baseline(figures, work, talks, queries, warm_up) -> None:
    print("baseline: SQLite FTS5, one row per snippet...", file=sys.stderr)
    baseline = Fts5Baseline(work / "baseline.sqlite")
    began = time.perf_counter()
    baseline.load(talks)
    figures["baseline_build_s"] = round(time.perf_counter() - began, 1)
    base = latency_figures("baseline", time_queries(baseline.search, queries, warm_up))
    figures["baseline_query_p95_ms"] = base.pop("baseline_p95_ms")
    figures.update(base)
    figures["query_p95_ratio"] = round(
        figures["query_p95_ms"] / figures["baseline_query_p95_ms"], 1
    )
    for kind in CLASSES:
        ours, theirs = figures[f"query_{kind}_p95_ms"], figures[f"baseline_{kind}_p95_ms"]
        figures[f"query_{kind}_p95_ratio"] = round(ours / theirs, 1) if theirs else None


def side_by_side(runs: list[dict]) -> str:
    """Figures of several runs in columns, one per engine."""
    names = list(dict.fromkeys(name for figures in runs for name in figures))
    lines = [f"{'figure':<34}" + "".join(f"{figures['engine']:>14}" for figures in runs)]
    for name in names:
        lines.append(f"{name:<34}" + "".join(f"{figures.get(name, '')!s:>14}" for figures in runs))
    return "\n".join(lines)


def table(figures: dict) -> str:
    lines = [f"{'figure':<34} {'value':>12}  target"]
    for name, value in figures.items():
        target = TARGETS.get(name)
        if target is None and name.startswith("query_") and name.endswith("_p95_ms"):
            target = TARGETS["query_p95_ms"]
        mark = ""
        if target is not None and isinstance(value, int | float):
            met = value >= target if name in HIGHER_IS_BETTER else value <= target
            sign = ">=" if name in HIGHER_IS_BETTER else "<="
            mark = f"{sign} {target}  {'ok' if met else 'MISSED'}"
        lines.append(f"{name:<34} {value!s:>12}  {mark}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default_corpus = os.environ.get("TALKSEEK_CORPUS", ROOT.parent / "shared" / "corpus")
    parser.add_argument("--corpus", type=Path, default=Path(default_corpus))
    parser.add_argument("--quick", action="store_true", help="a tenth of the corpus")
    parser.add_argument("--talks", type=int, help="at most this many talks (a small slice)")
    parser.add_argument("--per-class", type=int, help="queries per class (default 100, quick 40)")
    parser.add_argument(
        "--http-seconds", type=float, help="seconds per HTTP run (default 20, quick 8)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--engine", choices=("whoosh", "typesense", "both"), default="whoosh",
                        help="the engine measured (typesense: on a local three-node cluster)")
    parser.add_argument("--scale", type=int, default=1,
                        help="write the corpus this many times over, under new ids")
    parser.add_argument("--meaning", metavar="MODEL",
                        help="also measure meaning search on the podcasts with this model "
                             "(a folder or a fastembed name; see bench/meaning.py)")
    args = parser.parse_args(argv)
    if not (args.corpus / "ted" / "talks.csv").exists() or not (args.corpus / "lenny").is_dir():
        parser.error(f"no corpus at {args.corpus} (expected ted/ and lenny/): pass --corpus DIR")
    per_class = args.per_class or (40 if args.quick else 100)
    http_seconds = args.http_seconds or (8.0 if args.quick else 20.0)
    engines = ["whoosh", "typesense"] if args.engine == "both" else [args.engine]
    runs = []
    with tempfile.TemporaryDirectory(prefix="talkseek-bench-") as scratch:
        work = args.keep or Path(scratch)
        for number, engine_name in enumerate(engines):
            folder = work / engine_name
            folder.mkdir(parents=True, exist_ok=True)
            runs.append(bench(args.corpus.resolve(), folder, args.quick, args.talks,
                              http_seconds, per_class, engine_name, args.scale,
                              baseline=number == 0))  # fmt: skip
        if args.meaning:  # the build figures above stay keyword-only
            meaning = measure_meaning(args.corpus.resolve(), args.meaning, work / "meaning")
    for figures in runs:
        print(table(figures))
    if len(runs) > 1:
        print(side_by_side(runs))
    if args.meaning:
        print(meaning_table(meaning))
    if args.json:
        written = runs[0] if len(runs) == 1 else {"runs": runs}
        if args.meaning:
            written = {**written, "meaning": meaning}
        args.json.write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
