"""The docs stay true: every module is on the architecture map, every command and
option of the CLI is in the README."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click

from indexer.cli import main

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _has_code(path: Path) -> bool:
    """False for a package marker holding nothing but its docstring."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
               for node in body)  # fmt: skip


def _modules() -> list[str]:
    return sorted(
        str(path.relative_to(ROOT))
        for package in ("indexer", "webapp", "bench", "scripts")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py" or _has_code(path)
    )


def test_every_module_is_on_the_architecture_map():
    missing = [module for module in _modules() if f"`{module}`" not in ARCHITECTURE]
    assert not missing, f"add to docs/architecture.md: {missing}"


def test_every_path_on_the_map_exists():
    named = set(re.findall(r"`((?:indexer|webapp|bench|scripts)/[\w/]+\.py)`", ARCHITECTURE))
    assert named
    gone = sorted(path for path in named if not (ROOT / path).is_file())
    assert not gone, f"docs/architecture.md names modules that do not exist: {gone}"


def test_every_command_and_option_is_in_the_readme():
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        assert f"talkseek {name}" in README, name
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert any(f"{flag}" in README for flag in parameter.opts), (name, parameter.opts)


def test_the_readme_links_the_architecture_map():
    assert "docs/architecture.md" in README
