"""The embedding model: loaded from a folder or the cache, never waiting on a hub it cannot
reach, and the vectors kept per text so nothing is embedded twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from indexer.core.embedder import ModelUnavailable, load_embedder
from indexer.ingest.vectors import VectorStore, embed_missing
from tests.conftest import copy_model


def test_vectors_are_unit_length_and_close_for_the_same_idea(embedder):
    vectors = embedder.embed([
        "We raised our prices and the smallest customers left.",
        "After the price increase, our small clients churned.",
        "The moth was stuck in relay number seventy of the computer.",
    ])  # fmt: skip
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    same_idea, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert same_idea > 0.5 > unrelated


def test_the_model_key_names_the_model_and_its_files(embedder, model_path, tmp_path):
    assert embedder.key.startswith("all-minilm-l6-v2-")
    copy = copy_model(model_path, tmp_path / "model")
    os.utime(copy / "model.onnx", (1_000_000_000, 1_000_000_000))
    same = load_embedder(str(copy))
    assert same.key == embedder.key  # the same bytes elsewhere, at other times: the same vectors
    assert same.earlier_key != embedder.earlier_key  # what earlier versions went by
    config = copy / "config.json"
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load_embedder(str(copy)).key != embedder.key  # other files: other vectors


def test_an_uncached_model_with_the_hub_unreachable_fails_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTEMBED_CACHE_PATH", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    began = time.monotonic()
    with pytest.raises(ModelUnavailable, match="cannot be reached") as raised:
        load_embedder("sentence-transformers/all-MiniLM-L6-v2")
    assert time.monotonic() - began < 15
    assert "--model" in str(raised.value)


def test_offline_with_nothing_cached_fails_without_loading_fastembed(tmp_path):
    """Offline, an empty cache answers at once: no hub probe, and fastembed (whose import
    is a good part of a small update) is not even imported."""
    probe = (
        "import sys\n"
        "from indexer.core.embedder import ModelUnavailable, load_embedder\n"
        "try:\n"
        "    load_embedder('sentence-transformers/all-MiniLM-L6-v2', offline=True)\n"
        "except ModelUnavailable as error:\n"
        "    print(error)\n"
        "print('fastembed' in sys.modules)\n"
    )
    env = {**os.environ, "FASTEMBED_CACHE_PATH": str(tmp_path / "empty-cache"),
           "HF_ENDPOINT": "http://127.0.0.1:9"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, check=True, timeout=120)  # fmt: skip
    reason, imported = done.stdout.strip().splitlines()
    assert "--offline fetches nothing" in reason and "--model" in reason
    assert imported == "False"


def test_offline_looks_in_a_cache_holding_other_things_but_never_at_the_hub(
    model_path, tmp_path, monkeypatch
):
    from indexer.core.embedder import ModelChoice

    cache = tmp_path / "cache"
    (cache / "models--someone--another-model").mkdir(parents=True)
    monkeypatch.setenv("FASTEMBED_CACHE_PATH", str(cache))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # a probe would say "cannot be reached"
    with pytest.raises(ModelUnavailable, match="--offline fetches nothing"):
        load_embedder("sentence-transformers/all-MiniLM-L6-v2", offline=True)
    assert load_embedder(str(model_path), offline=True).choice == ModelChoice.from_setting(
        str(model_path))  # a folder is no download: offline changes nothing


def test_a_name_fastembed_does_not_know_or_a_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(ModelUnavailable, match="not a fastembed"):
        load_embedder("nobody/no-such-model")
    with pytest.raises(ModelUnavailable, match=r"no model\.onnx"):
        load_embedder(str(tmp_path))


def test_texts_are_embedded_once_and_an_interrupted_run_keeps_its_batches(
    embedder, tmp_path, monkeypatch
):
    import indexer.ingest.vectors as vectors_module

    monkeypatch.setattr(vectors_module, "BATCH", 4)
    texts = [f"Passage number {n} about pricing, teams and growth." for n in range(10)]
    calls = []

    def stop_after_two(done: int, total: int, rate: float) -> None:
        if not done:
            return  # the start: how many texts there are to embed
        calls.append((done, total))
        if len(calls) == 2:
            raise KeyboardInterrupt

    with VectorStore(tmp_path, embedder.key) as store:
        with pytest.raises(KeyboardInterrupt):
            embed_missing(store, embedder, texts, stop_after_two)
        assert calls == [(4, 10), (8, 10)]
        assert len(store.missing(texts)) == 2  # the two batches done were kept
        assert embed_missing(store, embedder, texts + texts[:3]) == 2
        assert embed_missing(store, embedder, texts) == 0
        stored = store.get([*texts[:3], "never embedded"], 384)
    # (an int8 model quantises activations per batch: vectors vary a little with the batch)
    assert (np.sum(stored[:3] * embedder.embed(texts[:3]), axis=1) > 0.98).all()
    assert not stored[3].any()
