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
    default = load_program("default")
    assert program_hash(instance.module) == default.program_hash  # the same predictors and demos...
    assert instance.program_hash != default.program_hash  # ...but the user's module is code of its own
    assert program_hash(factory.module) != program_hash(instance.module)  # no demos: a different program
    assert factory.program_hash != instance.program_hash


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


USER_PROGRAM = '''
import dspy
from tokdrift_cli.core.ir import IR


class Answer(dspy.Signature):
    """Write the spec."""

    request: str = dspy.InputField()
    ir: IR = dspy.OutputField()


class MyGenerator(dspy.Module):
    def __init__(self):
        super().__init__()
        self.generate = dspy.Predict(Answer)

    def forward(self, request):
        return self.generate(request=request){extra}


def make():
    return MyGenerator()
'''


def _write_program(directory: Path, extra: str = "") -> None:
    (directory / "edited_program.py").write_text(USER_PROGRAM.replace("{extra}", extra))
    sys.modules.pop("edited_program", None)


def test_editing_forward_changes_the_program_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    _write_program(tmp_path)
    before = load_program("edited_program:make")
    again = load_program("edited_program:make")
    _write_program(tmp_path, extra="  # now post-processed differently")
    after = load_program("edited_program:make")
    sys.modules.pop("edited_program", None)
    assert before.program_hash == again.program_hash  # the same code: the same hash
    assert program_hash(before.module) == program_hash(after.module)  # the same predictors...
    assert after.program_hash != before.program_hash  # ...but the code changed


def test_a_class_defined_in_another_user_module_is_covered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    _write_program(tmp_path)
    (tmp_path / "entry_point.py").write_text("from edited_program import MyGenerator\nprogram = MyGenerator()\n")
    before = load_program("entry_point:program")
    _write_program(tmp_path, extra=".copy()")
    sys.modules.pop("entry_point", None)
    after = load_program("entry_point:program")
    for name in ("edited_program", "entry_point"):
        sys.modules.pop(name, None)
    assert after.program_hash != before.program_hash


def test_shipped_program_hash_is_the_one_committed_artifacts_record() -> None:
    # baselines/*.json made with --program default record this hash; a change would make them stale.
    assert load_program("default").program_hash == "df16f16ce157fee3"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def make():\n    raise RuntimeError('no weights')\n", "the factory 'make' raised RuntimeError: no weights"),
        ("raise ValueError('bad\\nconfig')\n", "importing 'broken_program' raised ValueError: bad config"),
        ("def make(:\n", "importing 'broken_program' raised SyntaxError"),
    ],
)
def test_a_failing_user_module_is_one_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, message: str
) -> None:
    (tmp_path / "broken_program.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("broken_program", None)
    with pytest.raises(InputError) as caught:
        load_program("broken_program:make")
    sys.modules.pop("broken_program", None)
    assert message in str(caught.value) and "\n" not in str(caught.value)
