"""--program: default, module:attr (instance or factory), program files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tokdrift_cli.errors import InputError
from tokdrift_cli.programs.ir_generator import IRGenerator
from tokdrift_cli.programs.loading import load_program, program_hash


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "my_programs.py").write_text(
        "from tokdrift_cli.programs.ir_generator import IRGenerator, build_default_program\n"
        "instance = build_default_program()\n"
        "def factory():\n    return IRGenerator()\n"
        "not_a_module = 42\n"
        "def bad_factory():\n    return 'nope'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "my_programs"
    sys.modules.pop("my_programs", None)


def test_default_program_has_demos_and_stable_hash() -> None:
    first, second = load_program("default"), load_program("default")
    assert isinstance(first.module, IRGenerator)
    assert len(first.module.generate.demos) == 3
    assert first.program_hash == second.program_hash


def test_module_attr_instance_and_factory(user_module: str) -> None:
    instance = load_program(f"{user_module}:instance")
    factory = load_program(f"{user_module}:factory")
    assert instance.program_hash == load_program("default").program_hash
    assert factory.program_hash != instance.program_hash  # no demos: a different program
    assert program_hash(factory.module) == factory.program_hash


@pytest.mark.parametrize(
    ("attribute", "message"),
    [("not_a_module", "neither a dspy.Module"), ("bad_factory", "expected a dspy.Module"), ("missing", "no attribute")],
)
def test_module_attr_errors(user_module: str, attribute: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_program(f"{user_module}:{attribute}")


def test_missing_program_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_program(str(tmp_path / "program.json"))
