"""Code generators behind one interface: an IR in, a recorded code generation out.

The templated generator is deterministic and needs no model; the LM-backed one
lives in :mod:`tokdrift_cli.programs.code_runner` (it needs DSPy). Both record
failures on the generation instead of raising, so a long run never dies on
one bad answer.
"""

from __future__ import annotations

import ast
import time
from typing import Protocol

from tokdrift_cli.codegen.templated import python_name, render_function
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.records import CodeGeneration


class GeneratesCode(Protocol):
    """Anything that turns an IR into a recorded :class:`CodeGeneration`."""

    name: str

    def generate(self, ir: IR) -> CodeGeneration: ...


class TemplatedCodeGenerator:
    """IR -> function stub (signature, docstring, preconditions); robust to IR variants by construction."""

    name = "templated"

    def generate(self, ir: IR) -> CodeGeneration:
        started = time.perf_counter()
        code = render_function(ir)
        return CodeGeneration(code=code, latency_s=time.perf_counter() - started)


def defined_function(code: str, ir_name: str, arity: int | None = None) -> str | None:
    """Which top-level function of ``code`` implements the IR.

    Its own name or its Python spelling; else the last function taking ``arity`` positional
    parameters (helpers usually come first); else the last function. None when the code does
    not parse or defines no function: there is no runnable code to judge.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    names = [node.name for node in functions]
    for candidate in (ir_name, python_name(ir_name, ir_name)):
        if candidate in names:
            return candidate
    fitting = [node.name for node in functions if arity is not None and len(node.args.args) == arity]
    return (fitting or names or [None])[-1]
