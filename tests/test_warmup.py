"""A server worker loads what it serves before its first request, keeps it out of the
garbage collector's full passes, and gives a replaced index back to the collector."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from tests.conftest import ROOT

_WORKER = """
import gc, json, sys, time, weakref
from pathlib import Path
from indexer.engines.whoosh import postings
from indexer.ingest.collect import DataFolder, read_talks, sync_transcripts
from webapp import create_app
from webapp.warmup import prepare_worker

root = Path(sys.argv[1])
app = create_app({"DATA_DIR": root})
prepare_worker(app)  # what `talkseek serve` runs in each worker before it accepts requests
report = {"frozen": gc.get_freeze_count()}

opened = []  # posting arrays mapped after the worker was prepared
mapping = postings._SegmentArrays.__init__
def counted(self, folder, fieldname):
    opened.append(fieldname)
    mapping(self, folder, fieldname)
postings._SegmentArrays.__init__ = counted
modules = set(sys.modules)
templates = set(key for _, key in app.jinja_env.cache.keys())

client = app.test_client()
found = client.get("/api/search?q=moth+-nanosecond").get_json()
assert found["total"] >= 1, found
for path in ("/search?q=hopper+speaker:hopper", "/talk/" + found["results"][0]["talk"]["id"],
             "/", "/talks"):
    assert client.get(path).status_code == 200, path
report["imported"] = sorted(name for name in set(sys.modules) - modules
                            if name.split(".")[0] in ("nltk", "indexer", "webapp"))
report["compiled"] = sorted(set(key for _, key in app.jinja_env.cache.keys()) - templates)
report["mapped"] = list(opened)

# a rebuild lands: the worker swaps in the new generation and closes the old one
engine = app.extensions["talkseek_engine"]._engine
old = weakref.ref(engine.opened())
(root / "notes" / "airships.md").write_text("# Airships\\n\\n* The zeppelin airship era\\n")
folder = DataFolder(root)
from indexer.engines.whoosh.build import build_index
build_index(sync_transcripts(read_talks(folder), folder, None), folder.index)
deadline = time.monotonic() + 30
while client.get("/api/search?q=zeppelin").get_json()["total"] == 0:
    assert time.monotonic() < deadline, "the rebuilt index was never served"
    time.sleep(0.05)
del engine
gc.collect()
report["old_generation_freed"] = old() is None
print(json.dumps(report))
"""


def test_a_prepared_worker_loads_nothing_on_its_first_requests_and_frees_a_replaced_index(
    fixture_data, tmp_path
):
    root = tmp_path / "data"
    shutil.copytree(fixture_data, root)
    result = subprocess.run([sys.executable, "-c", _WORKER, str(root)], capture_output=True,
                            text=True, cwd=ROOT, check=True)  # fmt: skip
    report = json.loads(result.stdout)
    assert report["imported"] == []  # the stemmer (nltk) came with the index
    assert report["compiled"] == []  # every page template was compiled beforehand
    assert report["mapped"] == []  # every searched field's arrays were mapped beforehand
    assert report["frozen"] > 10_000  # what was loaded is out of the collector's full passes
    assert report["old_generation_freed"]  # and a replaced index is not frozen for good
