"""Settings: command-line flags over the environment over `talkseek.toml` in the data folder.

The file is optional. What it may hold:

    engine = "typesense"            # or "whoosh", the default
    model = "sentence-transformers/all-MiniLM-L6-v2"   # or a folder, or "off"

    [typesense]
    nodes = ["http://10.0.0.1:8108", "http://10.0.0.2:8108", "http://10.0.0.3:8108"]
    collection_prefix = "talkseek"
    timeout_seconds = 2.0

The Typesense API key is read from TALKSEEK_TYPESENSE_API_KEY only: never from a flag
(others could read it in the process list) nor from the file (it may be shared), and it
is never printed (`repr` hides it).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SETTINGS_FILE = "talkseek.toml"
DEFAULT_ENGINE = "whoosh"
API_KEY_VARIABLE = "TALKSEEK_TYPESENSE_API_KEY"
_PREFIX = re.compile(r"[A-Za-z0-9_]{1,40}")


class SettingsError(ValueError):
    """A setting that cannot be used, with where it came from."""


@dataclass(frozen=True)
class TypesenseSettings:
    """How to reach a Typesense cluster."""

    nodes: tuple[str, ...] = ("http://127.0.0.1:8108",)
    api_key: str = field(default="", repr=False)
    collection_prefix: str = "talkseek"
    timeout_seconds: float = 2.0


MODEL_OFF = "off"  # the model setting that turns meaning search off


@dataclass(frozen=True)
class Settings:
    engine: str = DEFAULT_ENGINE
    typesense: TypesenseSettings = TypesenseSettings()
    #: the embedding model for meaning search: a fastembed name, a folder, or MODEL_OFF
    model: str = "sentence-transformers/all-MiniLM-L6-v2"

    @property
    def meaning(self) -> bool:
        return self.model.lower() not in (MODEL_OFF, "none", "")


def _file(root: Path) -> dict:
    path = root / SETTINGS_FILE
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise SettingsError(f"{path}: cannot be read ({error.strerror})") from error
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: {error}") from error


def _nodes(value: object, source: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise SettingsError(f"{source}: nodes must be a list of URLs such as http://host:8108")
    nodes = tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())
    for node in nodes:
        if not re.fullmatch(r"https?://[^/\s:]+(:\d{1,5})?", node):
            raise SettingsError(f"{source}: {node!r} is not a node URL such as http://host:8108")
    return nodes


def _number(value: object, source: str) -> float:
    try:
        number = float(str(value))
    except ValueError:
        number = -1.0
    if not 0 < number <= 600:
        raise SettingsError(f"{source}: {value!r} is not a number of seconds between 0 and 600")
    return number


def _prefix(value: object, source: str) -> str:
    if not isinstance(value, str) or not _PREFIX.fullmatch(value):
        raise SettingsError(f"{source}: the collection prefix takes letters, digits and _")
    return value


def load_settings(
    root: Path, engine: str | None = None, environ: Mapping[str, str] | None = None,
    model: str | None = None,
) -> Settings:
    """The settings for a data folder; `engine` and `model` are command-line flags, if given."""
    env = os.environ if environ is None else environ
    stored = _file(root)
    where = str(root / SETTINGS_FILE)
    typesense = stored.get("typesense", {})
    if not isinstance(typesense, dict):
        raise SettingsError(f"{where}: [typesense] must be a table")
    defaults = TypesenseSettings()
    nodes, prefix, timeout = defaults.nodes, defaults.collection_prefix, defaults.timeout_seconds
    if "nodes" in typesense:
        nodes = _nodes(typesense["nodes"], f"{where}: typesense.nodes")
    if env.get("TALKSEEK_TYPESENSE_NODES"):
        nodes = _nodes(env["TALKSEEK_TYPESENSE_NODES"], "TALKSEEK_TYPESENSE_NODES")
    if "collection_prefix" in typesense:
        prefix = _prefix(typesense["collection_prefix"], f"{where}: typesense.collection_prefix")
    if env.get("TALKSEEK_TYPESENSE_PREFIX"):
        prefix = _prefix(env["TALKSEEK_TYPESENSE_PREFIX"], "TALKSEEK_TYPESENSE_PREFIX")
    if "timeout_seconds" in typesense:
        timeout = _number(typesense["timeout_seconds"], f"{where}: typesense.timeout_seconds")
    if env.get("TALKSEEK_TYPESENSE_TIMEOUT"):
        timeout = _number(env["TALKSEEK_TYPESENSE_TIMEOUT"], "TALKSEEK_TYPESENSE_TIMEOUT")
    if "api_key" in typesense:
        raise SettingsError(f"{where}: the API key belongs in {API_KEY_VARIABLE}, not in a file")
    chosen = engine or env.get("TALKSEEK_ENGINE") or stored.get("engine") or DEFAULT_ENGINE
    if not isinstance(chosen, str):
        raise SettingsError(f"{where}: engine must be a name such as \"whoosh\"")
    chosen_model = model or env.get("TALKSEEK_MODEL") or stored.get("model") or Settings.model
    if not isinstance(chosen_model, str):
        raise SettingsError(f"{where}: model must be a model name, a folder or \"off\"")
    return Settings(
        engine=chosen,
        typesense=TypesenseSettings(nodes, env.get(API_KEY_VARIABLE, ""), prefix, timeout),
        model=chosen_model,
    )
