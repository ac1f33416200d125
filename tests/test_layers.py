"""The layering rule as a test: which package of tokdrift_cli may not import which.

Every import counts: module level, inside functions, under ``TYPE_CHECKING``,
relative, ``from tokdrift_cli import stages`` and ``importlib.import_module``
with a literal name. A layer is the first package under ``tokdrift_cli``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import tokdrift_cli

PACKAGE_ROOT = Path(tokdrift_cli.__file__).parent
TOP = "tokdrift_cli"

_DOMAIN_MUST_NOT_SEE = frozenset({"codegen", "stages", "workflows", "programs", "engines", "reports", "cli"})

# layer: the layers it must never import
FORBIDDEN: Mapping[str, frozenset[str]] = {
    "core": _DOMAIN_MUST_NOT_SEE,
    "artifacts": _DOMAIN_MUST_NOT_SEE,
    "codegen": frozenset({"stages", "workflows", "cli", "reports"}),
    "stages": frozenset({"workflows", "cli"}),
    "reports": frozenset({"stages", "workflows", "cli"}),
    "programs": frozenset({"stages", "workflows", "cli"}),
    "engines": frozenset({"stages", "workflows", "cli"}),
}

_IMPORT_FUNCTIONS = frozenset({"import_module", "__import__"})


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # a dotted module name, or a module plus the name imported from it


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(source: str, module: str, *, is_package: bool = False) -> Iterator[Import]:
    """Every module a source imports, wherever the import statement sits."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (Import(node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            origin = _absolute(module, is_package, node)
            # `from tokdrift_cli import stages` imports the package tokdrift_cli.stages.
            yield from (Import(node.lineno, f"{origin}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if function in _IMPORT_FUNCTIONS and isinstance(node.args[0].value, str):
                yield Import(node.lineno, node.args[0].value)


def layer_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == TOP else None


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        module = module_name(path)
        layer = layer_of(module)
        if layer not in FORBIDDEN:
            continue
        for imported in imports_of(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"):
            target_layer = layer_of(imported.target)
            if target_layer in FORBIDDEN[layer]:
                where = path.relative_to(PACKAGE_ROOT.parent)
                found.append(
                    f"{where}:{imported.line} imports {imported.target} ({layer}/ must not import {target_layer}/)"
                )
    return found


def test_no_layer_imports_a_layer_it_must_not() -> None:
    found = violations()
    assert not found, "layering broken:\n" + "\n".join(found)


@pytest.mark.parametrize("layer", sorted(set(FORBIDDEN) | {name for names in FORBIDDEN.values() for name in names}))
def test_every_layer_of_the_rule_exists(layer: str) -> None:
    """A renamed package would make its rule pass vacuously."""
    assert (PACKAGE_ROOT / layer / "__init__.py").is_file()


def test_imports_are_found_wherever_they_are_written() -> None:
    source = """
from __future__ import annotations
import importlib
from typing import TYPE_CHECKING
import tokdrift_cli.engines.resolve
from tokdrift_cli import stages
from . import sibling
from ..codegen.sandbox import run_function

if TYPE_CHECKING:
    from tokdrift_cli.reports import markdown

def late():
    from tokdrift_cli.workflows.baseline_run import baseline_run
    return importlib.import_module("tokdrift_cli.cli.app")
"""
    targets = {found.target for found in imports_of(source, "tokdrift_cli.core.example")}
    assert {
        "tokdrift_cli.engines.resolve",
        "tokdrift_cli.stages",
        "tokdrift_cli.core.sibling",
        "tokdrift_cli.codegen.sandbox.run_function",
        "tokdrift_cli.reports.markdown",
        "tokdrift_cli.workflows.baseline_run.baseline_run",
        "tokdrift_cli.cli.app",
    } <= targets
    layers = {layer_of(target) for target in targets}
    assert FORBIDDEN["core"] - layers == {"programs"}


def test_relative_imports_of_a_package_start_at_the_package() -> None:
    found = list(imports_of("from .generate import stable_seed", "tokdrift_cli.core.variants", is_package=True))
    assert [imported.target for imported in found] == ["tokdrift_cli.core.variants.generate.stable_seed"]
