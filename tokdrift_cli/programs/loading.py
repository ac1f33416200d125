"""Find the IR program a command should run.

``--program`` takes ``default`` (the shipped program), ``module:attr`` (an
importable ``dspy.Module`` instance, or a factory returning one), or a
program file written by ``tokdrift optimize``.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tokdrift_cli.errors import InputError

DEFAULT_PROGRAM = "default"


@dataclass(frozen=True)
class LoadedProgram:
    spec: str
    module: Any
    program_hash: str


def program_hash(module: Any) -> str:
    """A hash of what decides the program's behaviour: signatures, instructions and demos."""
    parts = []
    for name, predictor in module.named_predictors():
        signature = predictor.signature
        parts.append(
            {
                "name": name,
                "instructions": signature.instructions,
                "fields": [
                    [field_name, str(field.annotation)] for field_name, field in signature.fields.items()
                ],
                "demos": [_jsonable(demo) for demo in predictor.demos],
            }
        )
    payload = {"class": f"{type(module).__module__}.{type(module).__qualname__}", "predictors": parts}
    return hashlib.sha256(orjson.dumps(payload, default=str, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def _jsonable(demo: Any) -> Any:
    items = demo.items() if hasattr(demo, "items") else []
    return {key: value.model_dump(mode="json") if hasattr(value, "model_dump") else value for key, value in items}


def load_program(spec: str) -> LoadedProgram:
    import dspy

    if spec == DEFAULT_PROGRAM:
        from tokdrift_cli.programs.ir_generator import build_default_program

        module = build_default_program()
    elif spec.endswith(".json"):
        from tokdrift_cli.programs.program_file import load_program_file

        module = load_program_file(Path(spec))
    else:
        module = _import_program(spec)
    if not isinstance(module, dspy.Module):
        raise InputError(f"--program {spec}: expected a dspy.Module, got {type(module).__name__}")
    return LoadedProgram(spec=spec, module=module, program_hash=program_hash(module))


def _import_program(spec: str) -> Any:
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute:
        raise InputError(f"--program {spec!r}: use 'default', 'module:attr' or a program .json file")
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # let users point at a module in their project
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise InputError(f"--program {spec}: cannot import {module_name!r} ({error})") from None
    try:
        target = getattr(module, attribute)
    except AttributeError:
        raise InputError(f"--program {spec}: module {module_name!r} has no attribute {attribute!r}") from None
    import dspy

    if isinstance(target, dspy.Module):
        return target
    if callable(target):
        return target()
    raise InputError(f"--program {spec}: {attribute!r} is neither a dspy.Module nor a factory returning one")
