"""The templated code generator: an IR becomes a Python function stub, deterministically.

The stub carries everything the IR says that Python can say: the signature
with annotations, a docstring from the intent (with effects and the
conditions that cannot be asserted), precondition ``assert`` statements, and
a body ``raise NotImplementedError``. It is the reference point for code-level
robustness: an LM-backed generator can drift, this one cannot.

Robust by construction. Everything the IR variants of
:mod:`tokdrift_cli.core.variants.ir_rules` may re-spell is canonicalised before
rendering, so every variant of an IR renders to the same text:

* names become snake_case from :func:`identifier_words` (``countVowels``,
  ``CountVowels`` and ``COUNT_VOWELS`` all give ``count_vowels``), also where a
  predicate uses them; a name with no words gets a positional fallback
  (``arg0``), a keyword gets a trailing ``_``, a duplicate a numeric suffix;
* types become :func:`canonical_type` text (``List[int]`` -> ``list[int]``,
  ``Optional[X]`` -> ``X | None``); a type that is not a Python type
  expression becomes a string annotation;
* effects are listed sorted (they are a set, as the equivalence check treats
  them); assertions are split into the atoms of their conjunction, each in
  :func:`canonical_predicate` form (``0 < x`` for ``x > 0``), sorted and
  de-duplicated.

Only preconditions are asserted: an atom that is Python, names at least one
parameter and otherwise only builtins. Postconditions mention ``result`` (or
the function itself) and cannot be checked before a body exists to produce
one; they, and predicates that are prose, are listed in the docstring instead.
A predicate about a parameter that an effect says is changed ("appends value
to items in place") may describe the state after the call, so it is listed
too rather than asserted.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import keyword
import typing
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from tokdrift_cli.core.equivalence import canonical_predicate, identifier_words
from tokdrift_cli.core.ir import IR, Effect
from tokdrift_cli.core.types import canonical_type

__all__ = ["python_name", "render_function"]

_BUILTIN_NAMES: Final = frozenset(dir(builtins))
_TYPING_NAMES: Final = frozenset(typing.__all__) - _BUILTIN_NAMES
# Node types a rendered annotation may contain; anything else becomes a string annotation.
_TYPE_NODES: Final = (
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.BinOp,
    ast.BitOr,
    ast.UnaryOp,
    ast.USub,
    ast.Load,
)
# Expressions that change what the enclosing function is (a generator, a coroutine)
# or bind names; never put them into an ``assert``.
_NOT_ASSERTABLE: Final = (ast.Yield, ast.YieldFrom, ast.Await, ast.NamedExpr)
# Longer predicates are not parsed by canonical_predicate (it keeps them as text).
_MAX_PREDICATE_LENGTH: Final = 1_500
# Words that say an effect changes what it names ("appends value to items in place").
_MUTATION_VOCABULARY: Final = (
    "add adds added append appends appended assign assigns change changes changed clear clears "
    "delete deletes discard discards extend extends insert inserts modify modifies modified mutate "
    "mutates mutated place pop pops push pushes remove removes removed replace replaces reverse "
    "reverses set sets shuffle shuffles sort sorts sorted update updates updated"
)
_MUTATION_WORDS: Final = frozenset(_MUTATION_VOCABULARY.split())
_NOTES_HEADING: Final = "Not asserted (postconditions name the result, which only a body produces):"


def python_name(name: str, fallback: str) -> str:
    """A snake_case Python identifier with the words of ``name``; ``fallback`` if it has none.

    Deterministic and casing-blind: every casing style of the same words gives
    the same identifier.
    """
    text = unicodedata.normalize("NFKC", "_".join(identifier_words(name)))
    text = "".join(char if f"_{char}".isidentifier() else "_" for char in text)
    if not text.strip("_"):
        return fallback
    if not text.isidentifier():
        text = f"_{text}"  # starts with a digit
    if keyword.iskeyword(text):
        text = f"{text}_"
    return text if text.isidentifier() else fallback


def _unique(name: str, used: set[str]) -> str:
    candidate, suffix = name, 2
    while candidate in used:
        candidate, suffix = f"{name}_{suffix}", suffix + 1
    used.add(candidate)
    return candidate


# --------------------------------------------------------------------------- predicates


def _parse_expression(predicate: str) -> ast.expr | None:
    """The predicate as a Python expression (without a leading ``assert``), or ``None``."""
    text = predicate.strip()
    if text.startswith("assert") and text[6:7].isspace():
        text = text[6:].strip()
    # A predicate broken over lines outside brackets parses once the line breaks are spaces.
    for candidate in (text, " ".join(text.splitlines())):
        if not candidate or len(candidate) > _MAX_PREDICATE_LENGTH:
            return None
        try:
            return ast.parse(candidate, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return None


def _nfkc(name: str) -> str:
    """The form the parser gives an identifier."""
    return unicodedata.normalize("NFKC", name)


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping: Mapping[str, str]):
        self.mapping = {_nfkc(old): new for old, new in mapping.items()}

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.copy_location(ast.Name(id=self.mapping.get(node.id, node.id), ctx=node.ctx), node)

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.mapping.get(node.arg, node.arg)
        return self.generic_visit(node)  # type: ignore[return-value]


class _HideSpacedStrings(ast.NodeTransformer):
    """Swaps string literals with runs of spaces for placeholder names.

    :func:`canonical_predicate` collapses whitespace in the text it is given,
    which would change such literals; a placeholder named after the literal's
    hash survives it and is swapped back afterwards.
    """

    def __init__(self) -> None:
        self.hidden: dict[str, ast.expr] = {}

    def _hide(self, node: ast.expr) -> ast.Name:
        name = "_literal_" + hashlib.sha256(ast.dump(node).encode("utf-8")).hexdigest()[:16]
        self.hidden[name] = node
        return ast.Name(id=name, ctx=ast.Load())

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        value = node.value
        if (isinstance(value, str) and "  " in value) or (isinstance(value, bytes) and b"  " in value):
            return self._hide(node)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.expr:
        return self._hide(node) if "  " in ast.unparse(node) else node


class _RestoreStrings(ast.NodeTransformer):
    def __init__(self, hidden: Mapping[str, ast.expr]):
        self.hidden = hidden

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.hidden.get(node.id, node)


@dataclass(frozen=True)
class _Atom:
    """One conjunct of the assertions: canonical text and, if Python, its tree."""

    text: str
    node: ast.expr | None


def _atoms(predicate: str, mapping: Mapping[str, str]) -> list[_Atom]:
    """The canonical conjuncts of one predicate, with IR names replaced by Python names."""
    node = _parse_expression(predicate)
    if node is None:
        phrase = canonical_predicate(predicate)
        return [_Atom(phrase, None)] if phrase else []
    hider = _HideSpacedStrings()
    text = ast.unparse(hider.visit(_Rename(mapping).visit(node)))
    if len(" ".join(text.split())) > _MAX_PREDICATE_LENGTH:
        # canonical_predicate would keep it as lowercased text, which is no longer code.
        return [_Atom(canonical_predicate(predicate), None)]
    canonical = ast.parse(canonical_predicate(text), mode="eval").body
    conjuncts = (
        canonical.values if isinstance(canonical, ast.BoolOp) and isinstance(canonical.op, ast.And) else [canonical]
    )
    atoms = []
    for conjunct in conjuncts:
        # Canonicalise each conjunct on its own too, so "a and b" and "a", "b" give the same atoms.
        parsed = ast.parse(canonical_predicate(ast.unparse(conjunct)), mode="eval").body
        restored = ast.fix_missing_locations(_RestoreStrings(hider.hidden).visit(parsed))
        atoms.append(_Atom(ast.unparse(restored), restored))
    return atoms


def _free_names(node: ast.expr) -> set[str]:
    """Names an expression reads from outside (comprehension and lambda variables excluded)."""
    bound: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.comprehension):
            bound.update(n.id for n in ast.walk(inner.target) if isinstance(n, ast.Name))
        elif isinstance(inner, ast.arg):
            bound.add(inner.arg)
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id not in bound}


def _assertable(node: ast.expr, parameters: frozenset[str], mutated: frozenset[str]) -> bool:
    """A precondition: names a parameter no effect changes, otherwise only builtins, and compiles."""
    if any(isinstance(inner, _NOT_ASSERTABLE) for inner in ast.walk(node)):
        return False
    free = _free_names(node)
    if not free & parameters or free - parameters - _BUILTIN_NAMES or free & mutated:
        return False
    try:
        compile(ast.Expression(body=node), "<predicate>", "eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _predicate_names(ir: IR) -> set[str]:
    """Every name the parseable predicates use."""
    names: set[str] = set()
    for assertion in ir.assertions:
        node = _parse_expression(assertion.predicate)
        if node is not None:
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
            names.update(n.arg for n in ast.walk(node) if isinstance(n, ast.arg))
    return names


def _mutated(ir: IR, parameter_names: Sequence[str]) -> frozenset[str]:
    """Parameters an effect names together with a word of change (their words, casing-blind)."""
    mutated: set[str] = set()
    for effect in ir.effects:
        words = identifier_words(effect.description)
        if not _MUTATION_WORDS & set(words):
            continue
        for parameter, name in zip(ir.signature.parameters, parameter_names, strict=True):
            target = identifier_words(parameter.name)
            if target and any(words[i : i + len(target)] == target for i in range(len(words))):
                mutated.add(name)
    return frozenset(mutated)


def _conditions(ir: IR, mapping: Mapping[str, str], parameters: frozenset[str]) -> tuple[list[ast.expr], list[str]]:
    """(preconditions to assert, notes for the docstring), each sorted and de-duplicated."""
    asserted: dict[str, ast.expr] = {}
    notes: set[str] = set()
    mutated = _mutated(ir, [mapping.get(p.name, p.name) for p in ir.signature.parameters])
    for assertion in ir.assertions:
        for atom in _atoms(assertion.predicate, mapping):
            if atom.node is not None and _assertable(atom.node, parameters, mutated):
                asserted.setdefault(atom.text, atom.node)
            else:
                notes.add(atom.text)
    return [asserted[text] for text in sorted(asserted)], sorted(notes)


# --------------------------------------------------------------------------- annotations


def _annotation(type_hint: str) -> ast.expr:
    """The canonical type as an annotation expression, or as a string if it is not a type expression."""
    text = canonical_type(type_hint)
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ast.Constant(value=text)
    if all(isinstance(inner, _TYPE_NODES) for inner in ast.walk(node)):
        return node
    return ast.Constant(value=text)


def _typing_imports(annotations: Iterable[ast.expr]) -> list[str]:
    """The ``typing`` names the annotations use, so ``typing.get_type_hints`` can resolve them."""
    used = {n.id for a in annotations for n in ast.walk(a) if isinstance(n, ast.Name)}
    return sorted(used & _TYPING_NAMES)


# --------------------------------------------------------------------------- docstring


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _effect_key(text: str) -> tuple[str, str]:
    """Sort like the equivalence check normalises: case, a leading article, trailing punctuation."""
    words = text.casefold().split()
    if len(words) > 1 and words[0] in ("a", "an", "the"):
        words = words[1:]
    return " ".join(words).rstrip(".,;:!?"), text


def _effect_lines(effects: Sequence[Effect]) -> list[str]:
    texts = {_collapse(effect.description) for effect in effects} - {""}
    return sorted(texts, key=_effect_key)


def _docstring(ir: IR, parameter_names: Sequence[str], notes: Sequence[str]) -> str:
    lines = [_collapse(ir.intent.summary) or "No summary given."]
    described = [
        (name, _collapse(parameter.description or ""))
        for name, parameter in zip(parameter_names, ir.signature.parameters, strict=True)
    ]
    if any(description for _, description in described):
        lines += ["", "Args:"] + [f"    {name}: {text}" for name, text in described if text]
    if effects := _effect_lines(ir.effects):
        lines += ["", "Effects:"] + [f"- {effect}" for effect in effects]
    if notes:
        lines += ["", _NOTES_HEADING] + [f"- {note}" for note in notes]
    if len(lines) == 1:
        return lines[0]
    # Indented like the body, closing quotes on their own line (PEP 257); no trailing spaces.
    return "\n".join([lines[0], *(f"    {line}" if line else "" for line in lines[1:]), "    "])


# --------------------------------------------------------------------------- rendering


def render_function(ir: IR) -> str:
    """Python source of a module defining the IR's function as a stub (see the module docstring).

    Deterministic; valid Python for any IR; the same text for every variant
    :mod:`tokdrift_cli.core.variants.ir_rules` makes of ``ir``.
    """
    signature = ir.signature
    ir_names = {_nfkc(parameter.name) for parameter in signature.parameters} | {_nfkc(signature.name)}
    # Names the predicates use for something else (len, result, ...) must not be shadowed.
    used = _predicate_names(ir) - ir_names
    parameter_names = [
        _unique(python_name(parameter.name, f"arg{index}"), used)
        for index, parameter in enumerate(signature.parameters)
    ]
    function_name = _unique(python_name(signature.name, "generated_function"), used - set(parameter_names))

    mapping: dict[str, str] = {signature.name: function_name}
    for parameter, name in reversed(list(zip(signature.parameters, parameter_names, strict=True))):
        mapping[parameter.name] = name  # a parameter shadows the function name; the first duplicate wins
    preconditions, notes = _conditions(ir, mapping, frozenset(parameter_names))

    annotations = [_annotation(p.type_hint if p.type_hint.strip() else "Any") for p in signature.parameters]
    returns = _annotation(signature.returns or "")
    arguments = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=name, annotation=hint) for name, hint in zip(parameter_names, annotations, strict=True)],
        kwonlyargs=[],
        kw_defaults=[],
        defaults=[],
    )
    body: list[ast.stmt] = [ast.Expr(value=ast.Constant(value=_docstring(ir, parameter_names, notes)))]
    body += [ast.Assert(test=condition, msg=None) for condition in preconditions]
    body.append(ast.Raise(exc=ast.Name(id="NotImplementedError", ctx=ast.Load()), cause=None))
    fields: dict[str, object] = {"type_params": []} if "type_params" in ast.FunctionDef._fields else {}
    function = ast.FunctionDef(
        name=function_name, args=arguments, body=body, decorator_list=[], returns=returns, **fields
    )
    header = ["from __future__ import annotations", ""]
    if typing_names := _typing_imports([*annotations, returns]):
        header += [f"from typing import {', '.join(typing_names)}", ""]
    return "\n".join(header) + "\n\n" + ast.unparse(ast.fix_missing_locations(function)) + "\n"
