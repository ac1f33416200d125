"""Size limits as a test: no module over 500 lines, no function over 80.

A Typer command's signature is its option table (one ``Annotated`` parameter
per option), so for the functions of ``cli/commands`` only the body counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import tokdrift_cli

PACKAGE_ROOT = Path(tokdrift_cli.__file__).parent
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
COMMANDS_DIR = PACKAGE_ROOT / "cli" / "commands"


def _modules() -> list[Path]:
    return sorted(PACKAGE_ROOT.rglob("*.py"))


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def function_length(node: ast.FunctionDef | ast.AsyncFunctionDef, *, body_only: bool) -> int:
    """Lines from the ``def`` (or the first body statement) to the function's last line."""
    start = node.body[0].lineno if body_only else node.lineno
    return (node.end_lineno or node.lineno) - start + 1


def oversized_functions(path: Path) -> list[str]:
    body_only = COMMANDS_DIR in path.parents
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.name}:{node.lineno} {node.name} ({length} lines)"
        for node in _functions(tree)
        if (length := function_length(node, body_only=body_only)) > MAX_FUNCTION_LINES
    ]


def test_no_module_is_over_the_limit() -> None:
    too_long = [
        f"{path.relative_to(PACKAGE_ROOT)} ({lines} lines)"
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"


def test_no_function_is_over_the_limit() -> None:
    too_long = [finding for path in _modules() for finding in oversized_functions(path)]
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines: {too_long}"


@pytest.mark.parametrize(
    ("source", "body_only", "expected"),
    [
        ("def f(\n    a,\n    b,\n):\n    return a\n", False, 5),
        ("def f(\n    a,\n    b,\n):\n    return a\n", True, 1),
        ('def f():\n    """Doc."""\n    x = 1\n    return x\n', True, 3),
    ],
)
def test_function_length_counts_signature_only_when_asked(source: str, body_only: bool, expected: int) -> None:
    node = next(_functions(ast.parse(source)))
    assert function_length(node, body_only=body_only) == expected


def test_an_oversized_function_is_reported(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    probe = tmp_path / "probe.py"
    probe.write_text(f"def long_one():\n{body}\n\ndef short_one():\n    return 1\n")
    assert oversized_functions(probe) == [f"probe.py:1 long_one ({MAX_FUNCTION_LINES + 1} lines)"]
