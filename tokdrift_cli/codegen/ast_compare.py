"""Do two pieces of Python code say the same thing, up to names and formatting?

Both sources are parsed and normalised, then compared node by node:

* formatting, comments and parentheses vanish with the syntax tree (the
  verdict is equality of :func:`ast.dump` of the normalised trees);
* docstrings are dropped: they are prose about the code, and prose is compared
  where it lives (the IR's intent), not here. Two functions that differ only
  in their docstring behave the same; a generator that rewords a docstring
  has not drifted in code;
* ``from __future__`` imports and imports from ``typing`` /
  ``typing_extensions`` are dropped: they change no behaviour once
  annotations are compared as canonical text;
* every annotation is replaced by its :func:`canonical_type` text, so
  ``List[int]`` equals ``list[int]`` and ``Optional[str]`` equals ``str | None``;
* every name the code binds itself (function and class names, parameters,
  local and module variables, loop and comprehension variables, ...) is
  renamed, in order of first occurrence, to ``<v0>``, ``<v1>``, ... (a form no
  identifier can take). Equal results therefore mean a bijection between the
  two codes' own names. ``a + b`` and ``a + a`` stay apart. Names the code
  does not bind (builtins such as ``len``, globals) and names bound by imports
  keep their spelling; attribute names and keyword-argument names are kept.

Renaming is by name, not by scope: the same identifier used in two scopes is
renamed alike, which can only make two codes that reuse names differently
compare as different, never the reverse.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.types import canonical_type

__all__ = ["CodeComparison", "compare_code", "normalised_dump"]

_IGNORED_MODULES: Final = frozenset({"__future__", "typing", "typing_extensions"})
# Fields that carry no meaning for behaviour.
_IGNORED_FIELDS: Final = frozenset({"type_comment", "kind", "type_ignores"})
# Statements and patterns that bind the identifier in their ``name`` field.
_NAMED_BINDINGS: Final = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.ExceptHandler,
    ast.MatchAs,
    ast.MatchStar,
)


class CodeComparison(BaseModel):
    """The verdict and the first difference found (meant to be read by a person)."""

    model_config = ConfigDict(frozen=True)

    equivalent: bool
    reason: str


@dataclass
class _Normalised:
    """A normalised tree and, per canonical name, the original one (for reasons)."""

    tree: ast.AST
    original_names: dict[str, str] = field(default_factory=dict)


class _SourceError(Exception):
    """A source cannot be compared: ``kind`` ("syntax error", ...) and the detail."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail

    def on_side(self, side: str) -> str:
        return f"{self.kind} in {side}: {self.detail}"


# --------------------------------------------------------------------------- normalisation


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_ignored_import(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.ImportFrom):
        return statement.level == 0 and (statement.module or "").split(".")[0] in _IGNORED_MODULES
    if isinstance(statement, ast.Import):
        return all(alias.name.split(".")[0] in _IGNORED_MODULES for alias in statement.names)
    return False


class _Cleaner(ast.NodeTransformer):
    """Drops docstrings and typing imports; canonicalises annotations."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
            body = [statement for statement in body if not _is_ignored_import(statement)]
            # A body of only a docstring (or only imports) does nothing, like "pass".
            node.body = body or [ast.Pass()]
        if isinstance(node, ast.Module):
            node.type_ignores = []
        for name in ("type_comment", "kind"):
            if name in node._fields:
                setattr(node, name, None)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = _canonical_annotation(node.annotation)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.returns = _canonical_annotation(node.returns)
        return self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        node.returns = _canonical_annotation(node.returns)
        return self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        annotation = _canonical_annotation(node.annotation)
        node.annotation = annotation if annotation is not None else ast.Constant(value="None")
        return self.generic_visit(node)


def _canonical_annotation(annotation: ast.expr | None) -> ast.expr | None:
    """An annotation as a constant holding its canonical type text (kept as a node, not renamed)."""
    if annotation is None:
        return None
    text = annotation.value if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str) else None
    if text is None:
        try:
            text = ast.unparse(annotation)
        except (ValueError, RecursionError):  # pragma: no cover - unparse of a parsed tree
            text = ast.dump(annotation)
    canonical = ast.Constant(value=canonical_type(text))
    return ast.copy_location(canonical, annotation)


def _binding_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(names the code binds itself, names bound by imports)."""
    bound: set[str] = set()
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, _NAMED_BINDINGS) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return bound - imported, imported


def _children(node: ast.AST) -> Iterator[ast.AST]:
    """Child nodes in field order (source order for everything that binds names)."""
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            yield value
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, ast.AST))


class _Renamer:
    """Renames the code's own names to <v0>, <v1>, ... in order of first occurrence."""

    def __init__(self, renamable: set[str]):
        self.renamable = renamable
        self.mapping: dict[str, str] = {}

    def canonical(self, name: str | None) -> str | None:
        if name is None or name not in self.renamable:
            return name
        if name not in self.mapping:
            self.mapping[name] = f"<v{len(self.mapping)}>"
        return self.mapping[name]

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            node.id = self.canonical(node.id)  # type: ignore[assignment]
        elif isinstance(node, ast.arg):
            node.arg = self.canonical(node.arg)  # type: ignore[assignment]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            node.name = self.canonical(node.name)  # type: ignore[assignment]
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
            node.name = self.canonical(node.name)
        elif isinstance(node, ast.MatchMapping):
            node.rest = self.canonical(node.rest)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            node.names = [self.canonical(name) or name for name in node.names]
        for child in _children(node):
            self.visit(child)


def _select_function(module: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    for statement in module.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == name:
            return statement
    raise _SourceError("missing function", f"no top-level function named {name!r}")


def _normalise(source: str, function_name: str | None) -> _Normalised:
    try:
        module = ast.parse(source)
    except SyntaxError as error:
        where = f" (line {error.lineno})" if error.lineno else ""
        raise _SourceError("syntax error", f"{error.msg}{where}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise _SourceError("cannot parse", str(error) or type(error).__name__) from None
    tree: ast.AST = module if function_name is None else _select_function(module, function_name)
    tree = _Cleaner().visit(tree)
    bound, _ = _binding_names(tree)
    renamer = _Renamer(bound)
    renamer.visit(tree)
    return _Normalised(tree=tree, original_names={new: old for old, new in renamer.mapping.items()})


def normalised_dump(source: str, function_name: str | None = None) -> str:
    """The normalised form :func:`compare_code` compares, as an :func:`ast.dump` string.

    Equal dumps mean equivalent code, so the dump can key a cache or group
    outputs. Raises :class:`ValueError` when the source does not parse or has
    no such function.
    """
    try:
        return ast.dump(_normalise(source, function_name).tree)
    except _SourceError as error:
        raise ValueError(str(error)) from None


# --------------------------------------------------------------------------- first difference


@dataclass
class _Context:
    a: _Normalised
    b: _Normalised

    def name(self, side: str, value: str) -> str:
        names = (self.a if side == "a" else self.b).original_names
        return names.get(value, value)


def _line(node: ast.AST) -> int | None:
    return getattr(node, "lineno", None)


def _describe(node: object) -> str:
    if isinstance(node, ast.AST):
        return type(node).__name__
    if node is None:
        return "nothing"
    return repr(node)


def _where(scope: str, line_a: int | None, line_b: int | None) -> str:
    if line_a is None and line_b is None:
        return f"{scope} differs"
    if line_a == line_b:
        return f"{scope} differs at line {line_a}"
    return f"{scope} differs at line {line_a} (line {line_b} in b)"


def _value_text(context: _Context, side: str, field_name: str, value: object) -> str:
    if isinstance(value, str) and field_name in ("id", "arg", "name", "rest"):
        return context.name(side, value)
    return repr(value)


class _Differ:
    """Finds the first difference between two normalised trees, in field order."""

    def __init__(self, context: _Context):
        self.context = context

    def first(self, a: object, b: object, scope: str, lines: tuple[int | None, int | None]) -> str | None:
        if isinstance(a, ast.AST) and isinstance(b, ast.AST):
            lines = (_line(a) or lines[0], _line(b) or lines[1])
            if type(a) is not type(b):
                return f"{_where(scope, *lines)}: {_describe(a)} vs {_describe(b)}"
            if isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                noun = "class" if isinstance(a, ast.ClassDef) else "function"
                scope = f"{noun} {self.context.name('a', a.name)}"
            return self._fields(a, b, scope, lines)
        if isinstance(a, list) and isinstance(b, list):
            return self._lists(a, b, scope, lines)
        if isinstance(a, ast.AST) or isinstance(b, ast.AST) or type(a) is not type(b) or repr(a) != repr(b):
            return f"{_where(scope, *lines)}: {_describe(a)} vs {_describe(b)}"
        return None

    def _fields(self, a: ast.AST, b: ast.AST, scope: str, lines: tuple[int | None, int | None]) -> str | None:
        for name in a._fields:
            if name in _IGNORED_FIELDS:
                continue
            value_a, value_b = getattr(a, name, None), getattr(b, name, None)
            if isinstance(value_a, ast.AST | list) or isinstance(value_b, ast.AST | list):
                found = self._field(a, name, value_a, value_b, scope, lines)
                if found:
                    return found
            elif type(value_a) is not type(value_b) or repr(value_a) != repr(value_b):
                text_a = _value_text(self.context, "a", name, value_a)
                text_b = _value_text(self.context, "b", name, value_b)
                if text_a == text_b:
                    text_b += " (the same name bound at another position)"
                return f"{_where(scope, *lines)}: {type(a).__name__}.{name} {text_a} vs {text_b}"
        return None

    def _field(
        self, node: ast.AST, name: str, a: object, b: object, scope: str, lines: tuple[int | None, int | None]
    ) -> str | None:
        if isinstance(node, ast.arguments) and isinstance(a, list) and isinstance(b, list) and len(a) != len(b):
            return f"{_where(scope, *lines)}: {len(a)} vs {len(b)} parameters ({name})"
        if isinstance(a, list) and isinstance(b, list) and len(a) != len(b) and name in ("body", "orelse"):
            return f"{_where(scope, *lines)}: {len(a)} vs {len(b)} statements in {name}"
        return self.first(a, b, scope, lines)

    def _lists(self, a: list, b: list, scope: str, lines: tuple[int | None, int | None]) -> str | None:
        for item_a, item_b in zip(a, b, strict=False):
            found = self.first(item_a, item_b, scope, lines)
            if found:
                return found
        if len(a) != len(b):
            extra = a[len(b)] if len(a) > len(b) else b[len(a)]
            side = "a" if len(a) > len(b) else "b"
            return f"{_where(scope, *lines)}: {len(a)} vs {len(b)} items; {side} has an extra {_describe(extra)}"
        return None


# --------------------------------------------------------------------------- comparison


def compare_code(
    source_a: str,
    source_b: str,
    function_name_a: str | None = None,
    function_name_b: str | None = None,
) -> CodeComparison:
    """Compare two Python sources after normalisation and consistent renaming (module docstring).

    With function names, only those top-level functions are compared (helpers
    and other module code are ignored); without, the whole modules are.
    """
    sides: dict[str, _Normalised] = {}
    problems: list[str] = []
    for side, source, name in (("a", source_a, function_name_a), ("b", source_b, function_name_b)):
        try:
            sides[side] = _normalise(source, name)
        except _SourceError as error:
            problems.append(error.on_side(side))
    if problems:
        return CodeComparison(equivalent=False, reason="; ".join(problems))
    a, b = sides["a"], sides["b"]
    if ast.dump(a.tree) == ast.dump(b.tree):
        renamed = len(a.original_names)
        return CodeComparison(equivalent=True, reason=f"same syntax tree after renaming {renamed} name(s)")
    scope = "module"
    reason = _Differ(_Context(a, b)).first(a.tree, b.tree, scope, (None, None))
    return CodeComparison(equivalent=False, reason=reason or "syntax trees differ")
