"""A local three-node Typesense cluster for the benchmark, run by scripts/typesense_cluster.py."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from bench.http_load import memory_kb

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "typesense_cluster.py"


def port_free(port: int) -> bool:
    """Whether a loopback port can be bound now (clusters of tests and benchmarks pick
    ports nothing else holds)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class BenchCluster:
    def __init__(self, folder: Path, nodes: int = 3) -> None:
        self.folder = folder
        self.nodes = nodes
        self.port = next(p for p in range(28_100, 60_000, 16)
                         if all(port_free(p + i) for i in range(2 * nodes)))  # fmt: skip
        os.environ.setdefault("TALKSEEK_TYPESENSE_API_KEY", secrets.token_hex(16))
        self.urls = [f"http://127.0.0.1:{self.port + i}" for i in range(nodes)]

    def _run(self, *args: str) -> str:
        """The cluster script's output; its own message when it fails (a missing server)."""
        command = [sys.executable, str(SCRIPT), *args, "--dir", str(self.folder)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            said = (done.stderr or done.stdout).strip()[-2000:]
            raise SystemExit(f"the Typesense cluster did not {args[0]}: {said}")
        return done.stdout

    def start(self) -> None:
        self._run("start", "--nodes", str(self.nodes), "--port", str(self.port))

    def stop(self) -> None:
        self._run("stop")

    def status(self) -> dict:
        return json.loads(self._run("status", "--json"))

    def configure(self, data: Path, prefix: str = "bench") -> None:
        """Point a data folder at this cluster (talkseek.toml)."""
        nodes = ", ".join(f'"{url}"' for url in self.urls)
        (data / "talkseek.toml").write_text(
            f'engine = "typesense"\n[typesense]\nnodes = [{nodes}]\n'
            f'collection_prefix = "{prefix}"\ntimeout_seconds = 10\n', encoding="utf-8")

    def rss_mb(self) -> float:
        pids = [node["pid"] for node in self.status()["nodes"] if node["pid"]]
        return round(sum(memory_kb(pid, "VmRSS") for pid in pids) / 1024, 1)

    def disk_mb(self) -> float:
        files = (f for f in self.folder.rglob("*") if f.is_file() and "log" not in f.parts)
        return round(sum(f.stat().st_size for f in files) / 2**20, 1)
