"""Load on a running search while the index is rebuilt: zero errors, no slow answers.

    python bench/load.py --data DIR [--clients 8] [--seconds 60] [--no-rebuild]
    python bench/load.py --data DIR --clients 4 --attackers 2 --no-rebuild
    python bench/load.py --data DIR --clients 4 --no-rebuild --kill-leader 10 --cluster CDIR

Starts `talkseek serve` on an indexed data folder, keeps CLIENTS clients asking
/api/search for SECONDS, and a few seconds in starts `talkseek index --full`
on the same folder at low priority (nice 10). Reports requests, errors and
latencies, overall and while the rebuild ran, and whether the server moved to
the new index. With ATTACKERS, that many more clients send only the most
expensive queries found (`WORST`) the whole time, and the ordinary clients'
latencies are reported apart. With --kill-leader, a data folder served from a
Typesense cluster started by scripts/typesense_cluster.py in CDIR loses its leader
(SIGKILL) that many seconds in: requests are reported before, during and after the
failover window (the kill until a new leader serves). Run by hand.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `indexer` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import CorpusTalk
from bench.http_load import Sample, drive, start_server, stop_server
from bench.queries import BenchQuery, make_queries
from indexer.core.data_folder import DataFolder
from indexer.engines import open_engine
from indexer.ingest.transcripts import TranscriptStore

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "typesense_cluster.py"

SLOW_MS = 1000
#: The most expensive queries found against the podcasts and TED corpora: a costly
#: phrase repeated, sixteen broad prefixes (ORed and ANDed), sixteen phrases of
#: common words, sixteen common words, and a phrase of sixty stop words.
_PREFIXES = ["th*", "an*", "co*", "re*", "in*", "pr*", "st*", "de*",
             "ma*", "pe*", "wh*", "so*", "wa*", "be*", "ca*", "to*"]  # fmt: skip
_PHRASES = ["it in", "that we", "on a", "so it", "is not", "of the", "in the", "to the",
            "and the", "it is", "i think", "you know", "we have", "a lot", "kind of",
            "going to"]  # fmt: skip
WORST = [
    " ".join(['"the the the the the the the"'] * 16),
    " OR ".join(_PREFIXES),
    " ".join(_PREFIXES),
    " ".join(f'"{phrase}"' for phrase in _PHRASES),
    "people think really actually know going thing things time want like just make way "
    "said good",
    '"' + " ".join(["the"] * 60) + '"',
]


def talks_from(data: Path, most: int = 300) -> list[CorpusTalk]:
    """Transcripts of the data folder as query sources (speaker filters left out)."""
    store = TranscriptStore(data / "transcripts")
    talks = []
    for path in sorted((data / "transcripts").glob("*.json"))[:most]:
        if path.name.endswith(".status.json"):
            continue
        snippets = [{"text": s.text, "start": s.start} for s in store.load(path.stem)]
        talks.append(CorpusTalk(path.stem, "", snippets))
    return talks


def report(name: str, samples: list[Sample]) -> str:
    if not samples:
        return f"{name:<16} no requests"
    ordered = sorted(sample.ms for sample in samples)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    errors = sum(not sample.ok for sample in samples)
    slow = sum(sample.ms > SLOW_MS for sample in samples)
    return (
        f"{name:<16} {len(samples):>7} requests  {errors:>4} errors  {slow:>4} over {SLOW_MS} ms  "
        f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms  max {ordered[-1]:7.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="an indexed data folder")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-rebuild", action="store_true", help="load only, no rebuild")
    parser.add_argument("--attackers", type=int, default=0,
                        help="more clients sending only the worst queries")  # fmt: skip
    parser.add_argument("--kill-leader", type=float, metavar="SECONDS",
                        help="SIGKILL the Typesense leader this many seconds in")  # fmt: skip
    parser.add_argument("--cluster", type=Path, help="the cluster's --dir (with --kill-leader)")
    args = parser.parse_args(argv)
    if args.kill_leader is not None and args.cluster is None:
        parser.error("--kill-leader needs --cluster DIR (where the cluster was started)")
    engine = open_engine(DataFolder(args.data))
    before = engine.latest_generation()
    if before is None:
        parser.error(f"no index for {args.data}: run `talkseek index --data {args.data}` first")
    queries = make_queries(talks_from(args.data), 50)

    server = start_server(args.data, threads=args.clients + args.attackers)
    rebuild: dict[str, float] = {}

    def rebuild_index() -> None:
        time.sleep(3)
        rebuild["began"] = time.perf_counter()
        command = [sys.executable, "-m", "indexer", "index", "--offline", "--full",
                   "--data", str(args.data)]  # fmt: skip
        # at low priority, as a scheduled rebuild beside a live server should run
        done = subprocess.run(
            command, capture_output=True, text=True, preexec_fn=lambda: os.nice(10)
        )
        rebuild["ended"] = time.perf_counter()
        rebuild["status"] = done.returncode

    failover: dict[str, float] = {}

    def kill_leader() -> None:
        time.sleep(args.kill_leader)
        leader = next(n for n in _cluster("status", args.cluster)["nodes"]
                      if n["state"] == "leader")  # fmt: skip
        failover["killed"] = time.perf_counter()
        os.kill(leader["pid"], 9)
        while not _cluster("status", args.cluster)["leader"]:
            time.sleep(0.1)
        failover["elected"] = time.perf_counter()

    builder = threading.Thread(target=rebuild_index)
    killer = threading.Thread(target=kill_leader)
    try:
        if not args.no_rebuild:
            builder.start()
        if args.kill_leader is not None:
            killer.start()
        attacks: list[Sample] = []
        attack = threading.Thread(target=lambda: attacks.extend(drive(
            server.url, [BenchQuery("worst", text, "") for text in WORST], args.attackers,
            args.seconds)[0]))  # fmt: skip
        if args.attackers:
            attack.start()
        samples, elapsed = drive(server.url, queries, args.clients, args.seconds)
        if args.attackers:
            attack.join()
        if not args.no_rebuild:
            builder.join()
        if args.kill_leader is not None:
            killer.join()
        rss = server.rss_mb()
    finally:
        stop_server(server)

    print(f"{args.clients} clients for {elapsed:.0f} s on {args.data}; server RSS {rss} MB")
    print(report("all", samples))
    if args.attackers:
        print(report(f"{args.attackers} attackers", attacks))
    failed = sum(not sample.ok for sample in samples)
    if failover:
        killed, elected = failover["killed"], failover["elected"]
        window = [s for s in samples if killed <= s.at <= elected]
        after_window = [s for s in samples if s.at > elected]
        print(f"leader killed; a new leader after {elected - killed:.1f} s")
        print(report("before the kill", [s for s in samples if s.at < killed]))
        print(report("failover window", window))
        print(report("after it", after_window))
        failed = sum(not sample.ok for sample in after_window)  # the window may lose some
    slow_during = 0
    if rebuild:
        during = [s for s in samples if rebuild["began"] <= s.at <= rebuild["ended"]]
        slow_during = sum(sample.ms > SLOW_MS for sample in during)
        took = rebuild["ended"] - rebuild["began"]
        print(report("during rebuild", during))
        after = open_engine(DataFolder(args.data)).latest_generation()
        print(f"rebuild: exit {rebuild['status']} after {took:.0f} s; index moved from "
              f"{before} to {after}")  # fmt: skip
        if not samples or rebuild["ended"] > samples[-1].at:
            print("note: the rebuild outlasted the load; pass more --seconds to see the swap")
    return 1 if failed or slow_during else 0


def _cluster(action: str, folder: Path) -> dict:
    import json

    command = [sys.executable, str(SCRIPT), action, "--dir", str(folder), "--json"]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


if __name__ == "__main__":
    raise SystemExit(main())
