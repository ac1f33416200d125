"""Find the IR program a command should run.

``--program`` takes ``default`` (the shipped program), ``module:attr`` (an
importable ``dspy.Module`` instance, or a factory returning one), or a
program file written by ``tokdrift optimize``.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
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


def program_hash(module: Any, source_digest: str | None = None) -> str:
    """A hash of what decides the program's behaviour: signatures, instructions and demos, and for a
    program the user wrote, its code (``source_digest``, see :func:`user_source_digest`)."""
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
    payload: dict[str, Any] = {
        "class": f"{type(module).__module__}.{type(module).__qualname__}",
        "predictors": parts,
    }
    if source_digest is not None:  # absent for the shipped program and program files: their hashes stay put
        payload["source"] = source_digest
    return hashlib.sha256(orjson.dumps(payload, default=str, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def user_source_digest(module_name: str, program: Any) -> str:
    """A digest of the code a ``module:attr`` program runs: the module named, and the modules defining the
    classes of the program and of its sub-modules (DSPy's and tokdrift's own are versioned with them)."""
    names = {module_name} | {type(sub).__module__ for _, sub in program.named_sub_modules()}
    digest = hashlib.sha256()
    for name in sorted(names):
        if name.split(".")[0] in _LIBRARY_PACKAGES:
            continue
        digest.update(name.encode() + b"\0" + _source_of(name).encode() + b"\0")
    return digest.hexdigest()[:16]


_LIBRARY_PACKAGES = frozenset({"dspy", "tokdrift_cli"})


def _source_of(module_name: str) -> str:
    module = sys.modules.get(module_name)
    if module is None:
        return ""
    try:
        return inspect.getsource(module)
    except (OSError, TypeError):  # no source on disk (a compiled or built-in module): its name stands in
        return ""


def _jsonable(demo: Any) -> Any:
    items = demo.items() if hasattr(demo, "items") else []
    return {key: value.model_dump(mode="json") if hasattr(value, "model_dump") else value for key, value in items}


def program_file(spec: str) -> Path | None:
    """The program file a ``--program`` spec names, if it names one."""
    return Path(spec) if spec.endswith(".json") else None


def load_program(spec: str) -> LoadedProgram:
    import dspy

    source_digest = None
    if spec == DEFAULT_PROGRAM:
        from tokdrift_cli.programs.ir_generator import build_default_program

        module = build_default_program()
    elif (path := program_file(spec)) is not None:
        from tokdrift_cli.programs.program_file import load_program_file

        module = load_program_file(path)
    else:
        module = _import_program(spec)
    if not isinstance(module, dspy.Module):
        raise InputError(f"--program {spec}: expected a dspy.Module, got {type(module).__name__}")
    if spec != DEFAULT_PROGRAM and not spec.endswith(".json"):
        source_digest = user_source_digest(spec.partition(":")[0], module)
    return LoadedProgram(spec=spec, module=module, program_hash=program_hash(module, source_digest))


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
    except Exception as error:  # noqa: BLE001 - the user's module failed on import: their bug, one line
        raise InputError(f"--program {spec}: importing {module_name!r} raised {_one_line(error)}") from None
    try:
        target = getattr(module, attribute)
    except AttributeError:
        raise InputError(f"--program {spec}: module {module_name!r} has no attribute {attribute!r}") from None
    import dspy

    if isinstance(target, dspy.Module):
        return target
    if callable(target):
        try:
            return target()
        except Exception as error:  # noqa: BLE001 - the user's factory failed: their bug, one line
            raise InputError(f"--program {spec}: the factory {attribute!r} raised {_one_line(error)}") from None
    raise InputError(f"--program {spec}: {attribute!r} is neither a dspy.Module nor a factory returning one")


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
