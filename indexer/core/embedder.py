"""Sentence vectors for meaning search, from a local ONNX model run by fastembed.

Indexing embeds passages and notes; the server embeds queries: both need the same
model, so it lives here beside the analyzer. fastembed (and ONNX Runtime) load only
when a model is: processes without meaning search never pay for them.

A model is named (a fastembed model, downloaded once into a cache) or is a folder
holding its files. Where nothing can be downloaded (offline, a firewall) and the
model is not cached, loading fails at once with `ModelUnavailable`, saying why and
how to turn meaning search on, instead of waiting on retries that cannot succeed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from fastembed import TextEmbedding

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
HUB = "https://huggingface.co"
PROBE_SECONDS = 3.0
BATCH = 32


class ModelUnavailable(RuntimeError):
    """No embedding model can be had now; the message says why and what to do."""


@dataclass(frozen=True)
class ModelChoice:
    """A fastembed model name, and the folder its files are in when given one."""

    name: str
    folder: Path | None = None

    @classmethod
    def from_setting(cls, setting: str) -> ModelChoice:
        """A setting is a folder (holding the default model's files: an existing folder, or
        a path starting with /, ./, ../ or ~) or a fastembed model name (`org/model`)."""
        path = Path(setting).expanduser()
        if setting and (path.is_dir() or setting.startswith(("/", "./", "../", "~"))):
            return cls(DEFAULT_MODEL, path.resolve())
        return cls(setting or DEFAULT_MODEL)

    def describe(self) -> str:
        return f"{self.name} from {self.folder}" if self.folder else self.name


def cache_dir() -> Path:
    """Where downloaded models are kept: FASTEMBED_CACHE_PATH, else the user's cache."""
    named = os.environ.get("FASTEMBED_CACHE_PATH")
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "talkseek" / "models"


def hub_reachable(seconds: float = PROBE_SECONDS) -> bool:
    """True when the model hub answers within `seconds` (any HTTP answer counts)."""
    import requests

    try:
        requests.head(os.environ.get("HF_ENDPOINT", HUB), timeout=seconds)
    except requests.RequestException:
        return False
    return True


class Embedder:
    """One loaded model: texts in, unit-length float32 vectors out."""

    def __init__(self, choice: ModelChoice, model: TextEmbedding) -> None:
        self.choice = choice
        self._model = model

    @cached_property
    def key(self) -> str:
        """Names the model's vectors in caches: another model, or other files, re-embeds;
        the same files copied or restored under new times do not (their bytes decide)."""
        digest = hashlib.sha256(self.choice.name.encode())
        if self.choice.folder is not None:
            for part in _defining_files(self.choice.folder):
                digest.update(part.name.encode() + b"\0")
                with part.open("rb") as stream:
                    digest.update(hashlib.file_digest(stream, "sha256").digest())
        return _named(self.choice.name, digest)

    @cached_property
    def earlier_key(self) -> str | None:
        """The key earlier versions gave a model folder (its model file's size and time),
        while that file keeps them: vectors stored under it are this model's."""
        if self.choice.folder is None:
            return None
        onnx = self.choice.folder / "model.onnx"
        stat = onnx.stat() if onnx.exists() else None
        digest = hashlib.sha256(self.choice.name.encode())
        digest.update(f"{stat.st_size}:{int(stat.st_mtime)}".encode() if stat else b"-")
        return _named(self.choice.name, digest)

    @cached_property
    def dimensions(self) -> int:
        return int(self.embed(["dimensions"]).shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, each of length one (cosine similarity is a dot product)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        rows = np.array(list(self._model.embed(texts, batch_size=BATCH)), dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        unit: np.ndarray = rows / np.maximum(norms, 1e-12)
        return unit


def _defining_files(folder: Path) -> list[Path]:
    """The files of a model folder that decide its vectors: the ONNX graph, and the
    tokenizer and configuration beside it."""
    return sorted(part for part in folder.iterdir()
                  if part.suffix in (".onnx", ".json") and part.is_file())  # fmt: skip


def _named(name: str, digest: Any) -> str:
    short = name.rsplit("/", 1)[-1].lower()
    return f"{''.join(c if c.isalnum() else '-' for c in short)}-{digest.hexdigest()[:10]}"


def load_embedder(setting: str = DEFAULT_MODEL, probe_seconds: float = PROBE_SECONDS,
                  threads: int | None = None, offline: bool = False) -> Embedder:  # fmt: skip
    """The model a setting names, from its folder, the cache, or (when the hub answers,
    and not `offline`) a download into the cache. Raises ModelUnavailable, with the
    reason, otherwise: offline with nothing cached, at once (fastembed is not even
    loaded: its import is a good part of a small update)."""
    choice = ModelChoice.from_setting(setting)
    if offline and choice.folder is None and not _anything_in(cache_dir()):
        raise ModelUnavailable(_offline_reason(choice.name))
    try:
        from fastembed import TextEmbedding
    except ImportError as error:
        raise ModelUnavailable(
            "meaning search needs fastembed: pip install fastembed") from error
    if choice.folder is not None:
        if not (choice.folder / "model.onnx").is_file():
            raise ModelUnavailable(f"no model.onnx in {choice.folder}: name a folder holding "
                                   f"{DEFAULT_MODEL} exported to ONNX, or a fastembed model")
        return Embedder(choice, _open(TextEmbedding, choice, threads,
                                      specific_model_path=str(choice.folder)))  # fmt: skip
    known = {str(model["model"]) for model in TextEmbedding.list_supported_models()}
    if choice.name not in known:
        raise ModelUnavailable(f"{choice.name} is not a fastembed text model; see "
                               "TextEmbedding.list_supported_models(), or name a folder")
    folder = cache_dir()
    try:
        return Embedder(choice, _open(TextEmbedding, choice, threads, cache_dir=str(folder),
                                      local_files_only=True))  # fmt: skip
    except Exception:
        pass
    if offline:
        raise ModelUnavailable(_offline_reason(choice.name))
    if not hub_reachable(probe_seconds):
        raise ModelUnavailable(
            f"the model {choice.name} is not in {folder} and the model hub cannot be reached; "
            "run `talkseek index` once online, or name a folder holding the model with "
            "--model (or TALKSEEK_MODEL, or model in talkseek.toml)")
    try:
        return Embedder(choice, _open(TextEmbedding, choice, threads, cache_dir=str(folder)))
    except Exception as error:
        raise ModelUnavailable(
            f"the model {choice.name} could not be downloaded: {error}") from error


def _anything_in(folder: Path) -> bool:
    try:
        return any(folder.iterdir())
    except OSError:
        return False


def _offline_reason(name: str) -> str:
    return (f"the model {name} is not in {cache_dir()} and --offline fetches nothing; run "
            "`talkseek index` once without --offline, or name a folder holding the model "
            "with --model (or TALKSEEK_MODEL, or model in talkseek.toml)")


def _open(factory: type[TextEmbedding], choice: ModelChoice, threads: int | None,
          **options: Any) -> TextEmbedding:  # fmt: skip
    from loguru import logger

    logger.disable("fastembed")  # its log lines would repeat what ModelUnavailable says
    return factory(model_name=choice.name, threads=threads, **options)
