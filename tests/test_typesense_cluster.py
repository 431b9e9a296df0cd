"""A three-node Typesense cluster started by the project's script: failover, a node lost
during a build, and a restart of the whole cluster; and reads past a node that lacks
the published collection."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest

from indexer.core.data_folder import DataFolder
from indexer.core.settings import load_settings
from indexer.engines import open_engine
from indexer.engines.protocol import IndexMissing, Match, Plan
from indexer.engines.typesense.client import connect
from indexer.engines.typesense.engine import LATEST_SECONDS
from indexer.engines.typesense.published import alias_target, read_meta
from indexer.ingest import ingest
from tests.conftest import TEST_DATA
from tests.typesense_servers import LocalCluster, require_server

CLIENTS = 4
HOPPER = "Grace Hopper - Rear Admiral (copy 0)"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_server()
    started = LocalCluster(tmp_path_factory.mktemp("cluster"), nodes=3)
    started.start()
    yield started
    started.stop()


def scaled_folder(root, copies: int) -> DataFolder:
    """The fixture talks, `copies` times over under new names (notes and transcripts)."""
    shutil.copytree(TEST_DATA / "transcripts", root / "transcripts")
    (root / "notes").mkdir()
    source = (TEST_DATA / "notes" / "devcon-2024.md").read_text(encoding="utf-8")
    for copy in range(copies):
        text = re.sub(r"^## (.+)$", rf"## \1 (copy {copy})", source, flags=re.M)
        (root / "notes" / f"devcon-{copy:03}.md").write_text(text, encoding="utf-8")
    return DataFolder(root)


def indexed(cluster: LocalCluster, root, copies: int = 1):
    folder = scaled_folder(root, copies)
    cluster.settings_file(root)
    engine = open_engine(folder)
    engine.build(ingest(folder), full=True)
    return folder, engine


def node_pid(cluster: LocalCluster, state: str) -> tuple[str, int]:
    node = next(n for n in cluster.status()["nodes"] if n["state"] == state)
    return node["url"], node["pid"]


def held(settings, url: str, collection: str) -> int | None:
    try:
        return connect(settings, (url,)).collections[collection].retrieve()["num_documents"]
    except Exception:  # (a node down holds nothing we can see)
        return None


def test_the_script_reports_one_leader_and_stops_only_its_own_processes(cluster, tmp_path):
    status = cluster.status()
    assert [n["state"] for n in status["nodes"]].count("leader") == 1
    assert status["leader"] in [n["url"] for n in status["nodes"]]
    assert {n["url"] for n in status["nodes"]} == set(cluster.urls)
    other = LocalCluster(tmp_path / "other", nodes=1)
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        other.start()
        other.stop()
        assert all(n["state"] == "down" for n in other.status()["nodes"])
        assert bystander.poll() is None
        assert all(n["state"] != "down" for n in cluster.status()["nodes"])
    finally:
        bystander.kill()
        bystander.wait()


def test_searches_go_on_after_the_leader_is_killed(cluster, tmp_path, capsys):
    folder, engine = indexed(cluster, tmp_path)
    engine.close()
    plan = Plan(groups=((Match(("moth",)),),))
    outcomes: list[tuple[float, bool]] = []
    errors: list[str] = []
    stop = threading.Event()

    def client() -> None:
        mine = open_engine(folder)
        while not stop.is_set():
            try:
                ok = [t.record["title"] for t in mine.search(plan, 0, 10).talks] == [HOPPER]
            except Exception as error:  # (counted as a failed query)
                errors.append(f"{type(error).__name__}: {error}")
                ok = False
            outcomes.append((time.monotonic(), ok))
        mine.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    _, leader = node_pid(cluster, "leader")
    killed_at = time.monotonic()
    os.kill(leader, signal.SIGKILL)
    deadline = killed_at + 60
    while cluster.status()["leader"] is None and time.monotonic() < deadline:
        time.sleep(0.2)
    elected = time.monotonic()
    time.sleep(3.0)
    stop.set()
    for thread in threads:
        thread.join()
    failed = [at for at, ok in outcomes if not ok]
    window = (max(failed) - killed_at) if failed else 0.0
    with capsys.disabled():
        print(f"\n  leader killed: new leader after {elected - killed_at:.1f} s; "
              f"{len(failed)} of {len(outcomes)} queries failed, the last "
              f"{window:.1f} s after the kill; {sorted(set(errors))[:3]}")
    assert elected < deadline, "no new leader within a minute"
    assert all(ok for at, ok in outcomes if at > elected + 1.0)
    assert sum(at > elected + 1.0 for at, _ in outcomes) >= CLIENTS
    cluster.start()  # the killed node comes back with its data


def test_the_leader_lost_during_a_build_never_leaves_the_alias_on_a_partial_collection(
    cluster, tmp_path
):
    folder, engine = indexed(cluster, tmp_path / "first")
    before = engine.opened()  # what most nodes publish (a follower may apply it a moment late)
    engine.close()
    settings = load_settings(folder.root).typesense
    client = connect(settings)
    bigger = scaled_folder(tmp_path / "bigger", copies=120)
    shutil.copy(folder.root / "talkseek.toml", bigger.root / "talkseek.toml")
    url, leader = node_pid(cluster, "leader")  # writes stop until a new one is elected
    killed = []

    def progress(done: int, total: int) -> None:
        if done == total // 3 and not killed:
            os.kill(leader, signal.SIGKILL)
            killed.append(done)
        published = alias_target(client, settings, settings.collection_prefix)
        assert published == before  # never the collection being written

    try:
        report = open_engine(bigger).build(ingest(bigger), full=True, progress=progress)
    finally:
        cluster.start()  # the old leader restarts, as a follower
    assert killed and report.added == len(ingest(bigger).talks)
    # Read from the nodes that stayed up: the restarted one may still answer from before.
    survivors = connect(settings, tuple(node for node in cluster.urls if node != url))
    after = alias_target(survivors, settings, settings.collection_prefix)
    assert after != before
    expected = read_meta(survivors, settings, after)["documents"] + 4
    ends = time.monotonic() + 60
    while held(settings, url, after) != expected and time.monotonic() < ends:
        time.sleep(0.5)
    assert held(settings, url, after) == expected  # the restarted node caught up
    for node in cluster.urls:
        assert held(settings, node, after) == expected


def test_a_node_that_lacks_the_published_collection_is_read_past(typesense_node, tmp_path):
    """A node catching up (restarted, or a moment behind the leader) can lack the
    collection the alias names: every read of it is answered by a node that has it."""
    folder, engine = indexed(typesense_node, tmp_path / "data")
    collection = engine.opened()
    talk_id = engine.talk_ids()[0]
    expected = (engine.talk(talk_id), engine.vocabulary("transcript").words)
    engine.close()
    settings = load_settings(folder.root).typesense
    lagging = LocalCluster(tmp_path / "lagging", nodes=1)
    lagging.start()
    try:
        behind = connect(replace(settings, nodes=tuple(lagging.urls)))
        behind.aliases.upsert(settings.collection_prefix, {"collection_name": collection})
        assert held(settings, lagging.urls[0], collection) is None
        (folder.root / "talkseek.toml").write_text(
            (folder.root / "talkseek.toml").read_text(encoding="utf-8").replace(
                "nodes = [", f'nodes = ["{lagging.urls[0]}", '), encoding="utf-8")
        both = open_engine(folder)
        assert both.generation().startswith(collection)
        plan = Plan(groups=((Match(("moth",)),),))
        titles = [[t.record["title"] for t in both.search(plan, 0, 10).talks] for _ in range(6)]
        read = (both.talk(talk_id), both.vocabulary("transcript").words)
        both.close()
    finally:
        lagging.stop()
    assert titles == [[HOPPER]] * 6
    assert read == expected and expected[1]


def _copy_collection(settings, source: str, target: str, name: str, alias: str) -> None:
    """The collection `name` of node `source` created again on node `target`, with the alias
    naming it: what replication gives a node that is up to date."""
    origin, copy = connect(settings, (source,)), connect(settings, (target,))
    schema = origin.collections[name].retrieve()
    copy.collections.create({key: value for key, value in schema.items()
                             if key not in ("num_documents", "created_at")})  # fmt: skip
    lines = origin.collections[name].documents.export()
    copy.collections[name].documents.import_(lines, {"action": "create"})
    copy.aliases.upsert(alias, {"collection_name": name})


def test_a_node_still_naming_an_older_build_is_outvoted(typesense_node, tmp_path):
    """Three nodes: the first asked still publishes the build before (it was down during
    the last one); the two others publish the last build. An engine opens, and keeps
    reporting, the last build."""
    others = [LocalCluster(tmp_path / f"node{n}", nodes=1) for n in (1, 2)]
    started: list[LocalCluster] = []
    try:
        for node in others:
            node.start()
            started.append(node)
        lagging, current, copy = others[0].urls[0], typesense_node.urls[0], others[1].urls[0]
        folder, old = indexed(others[0], tmp_path / "data")  # the build before, on one node
        old_generation = old.generation()
        old.close()
        prefix = typesense_node.settings_file(folder.root, prefix=load_settings(
            folder.root).typesense.collection_prefix)  # the same alias name on the others
        new = open_engine(folder)
        new.build(ingest(folder), full=True)
        new_generation = new.generation()
        new.close()
        settings = load_settings(folder.root).typesense
        _copy_collection(settings, current, copy, new_generation.split("#")[0], prefix)
        (folder.root / "talkseek.toml").write_text(
            (folder.root / "talkseek.toml").read_text(encoding="utf-8").replace(
                f'nodes = ["{current}"]', f'nodes = ["{lagging}", "{current}", "{copy}"]'),
            encoding="utf-8")  # fmt: skip
        assert load_settings(folder.root).typesense.nodes == (lagging, current, copy)
        assert old_generation != new_generation
        engine = open_engine(folder)
        try:
            assert engine.generation() == new_generation
            answers = set()
            for _ in range(6):
                time.sleep(LATEST_SECONDS * 1.1)
                answers.add(engine.latest_generation())
            assert answers == {new_generation}
        finally:
            engine.close()
    finally:
        for node in started:
            node.stop()


def test_the_index_outlives_a_restart_of_the_whole_cluster(cluster, tmp_path):
    folder, engine = indexed(cluster, tmp_path)
    generation = engine.generation()
    engine.close()
    cluster.stop()
    cluster.start()
    again = open_engine(folder)
    try:
        assert again.latest_generation() == generation
        found = again.search(Plan(groups=((Match(("moth",)),),)), 0, 10)
        assert [t.record["title"] for t in found.talks] == [HOPPER]
    finally:
        again.close()


def test_a_build_killed_halfway_leaves_the_alias_and_the_next_build_drops_its_leftovers(
    typesense_node, tmp_path
):
    folder = scaled_folder(tmp_path, copies=150)
    typesense_node.settings_file(tmp_path)
    settings = load_settings(tmp_path).typesense
    client = connect(settings)
    first = open_engine(folder)
    first.build(ingest(folder))
    first.close()
    published = alias_target(client, settings, settings.collection_prefix)

    def ours() -> set[str]:
        return {c["name"] for c in client.collections.retrieve()
                if c["name"].startswith(settings.collection_prefix + "_")}  # fmt: skip

    command = [sys.executable, "-m", "indexer", "index", "--offline", "--full",
               "--data", str(tmp_path)]  # fmt: skip
    build = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ends = time.monotonic() + 120
    while len(ours()) < 2 and build.poll() is None and time.monotonic() < ends:
        time.sleep(0.05)
    build.kill()
    build.wait()
    leftovers = ours() - {published}
    assert leftovers, "the build ended before it could be killed"
    assert alias_target(client, settings, settings.collection_prefix) == published
    again = open_engine(folder)
    assert again.search(Plan(groups=((Match(("moth",)),),)), 0, 10).total == 150
    again.build(ingest(folder), full=True)
    again.close()
    now = alias_target(client, settings, settings.collection_prefix)
    assert now not in leftovers | {published}
    assert ours() == {now, published}  # the new one, and the one it replaced (previous)


def test_a_search_of_a_collection_since_dropped_asks_to_search_again(typesense_node, tmp_path):
    """Two full builds later, the collection an engine opened is gone from every node."""
    folder, engine = indexed(typesense_node, tmp_path)
    plan = Plan(groups=((Match(("moth",)),),))
    assert [t.record["title"] for t in engine.search(plan, 0, 10).talks] == [HOPPER]
    for _ in range(2):
        again = open_engine(folder)
        again.build(ingest(folder), full=True)
        again.close()
    with pytest.raises(IndexMissing, match="search again"):
        engine.search(plan, 0, 10)
    engine.close()
