"""Assertions compared with the types the signature gives their names.

``len(s) > 0``, ``s != ""``, ``bool(s)`` and a bare ``s`` assert the same thing
when ``s`` is a ``str``, and ``n >= 1`` is ``n > 0`` when ``n`` is an ``int``;
neither holds for every type (``x >= 1`` and ``x > 0`` differ for a float, and a
bare ``s`` is false for ``None`` where ``s != ""`` is true). So after the
type-free canonical form of :mod:`.predicates`, each predicate is rewritten to
one form per meaning, using only what the signature fixes:

* emptiness of a sized builtin (``str``, ``bytes``, ``list``, ``tuple``,
  ``dict``, ``set``, ``frozenset``): its truth value, ``bool(x)``, ``len(x) != 0``
  and ``x != <the empty value of that type>`` become ``1 <= len(x)``, and their
  negations ``len(x) == 0``;
* integer bounds: against an integer literal, a strict bound on an ``int`` name
  or on ``len(...)`` becomes the non-strict one (``0 < n`` is ``1 <= n``), and a
  length is never negative (``len(x) <= 0`` is ``len(x) == 0``);
* the truth value of an ``int`` or a ``float`` is ``x != 0``;
* a ``bool`` compared with ``True`` or ``False`` is the name or its negation;
* ``isinstance`` over a tuple of classes is the ``or`` of one call per class:
  both become one call over the sorted classes (this rule needs no type);
* a ``list`` of ``int`` or ``str`` in non-decreasing order: ``xs == sorted(xs)``,
  ``all(xs[i] <= xs[i + 1] for i in range(len(xs) - 1))`` and
  ``all(a <= b for a, b in zip(xs, xs[1:]))`` become ``xs == sorted(xs)``
  (strict and descending orders are other meanings and stay apart);
* the parity of an ``int``: ``x % 2`` is 0 or 1, so ``x % 2 != 1`` and
  ``not x % 2`` become ``x % 2 == 0``, ``x % 2 != 0`` and a bare ``x % 2``
  become ``x % 2 == 1``. Inside ``all``/``any`` over one ``for x in xs``, where
  ``xs`` holds ``int`` elements, the element ``x`` is read as an ``int``.

``result`` has the return type. A name whose hint is a union (``Optional``
included), ``Any``, a class or missing keeps the type-free form, so nothing here
makes two predicates equal on a type it cannot read. A bare name is read as a
truth value only where Python reads it so (an assertion, ``and``/``or`` operands
there, ``not``, ``bool()``, a conditional's test), never as a value. Expressions
that bind names (comprehensions, lambdas, ``:=``) are left as they are but for
the two forms above, and so is everything when a parameter shadows a builtin the
rules call.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Final

from tokdrift_cli.core.equivalence.names import identifier_words
from tokdrift_cli.core.equivalence.predicates import (
    PredicateCanonicaliser,
    negated_comparison,
    normalise_phrase,
    parse_predicate,
)
from tokdrift_cli.core.ir import Assertion, FunctionSignature
from tokdrift_cli.core.types import canonical_type

# A folded name (``maxValue`` -> ``max_value``) -> the builtin its hint names (``str``, ``int``, ...).
NameTypes = Mapping[str, str]

RESULT: Final = "result"
_SIZED: Final = frozenset({"str", "bytes", "list", "tuple", "dict", "set", "frozenset"})
_NUMBERS: Final = frozenset({"int", "float"})
_KNOWN: Final = _SIZED | _NUMBERS | {"bool"}
_BUILTINS_CALLED: Final = frozenset({"len", "bool", "isinstance"})
# Called by the rules over elements; a parameter of one of these names turns those rules off.
_ELEMENT_BUILTINS: Final = frozenset({"len", "sorted", "all", "any", "range", "zip"})
_CONTAINERS: Final = frozenset({"list", "tuple", "set", "frozenset"})
_ORDERED: Final = frozenset({"int", "str"})
_BINDING: Final = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.NamedExpr)


def _folded(name: str) -> str:
    words = identifier_words(name)
    return "_".join(words) if words else name


def builtin_type(hint: str | None) -> str | None:
    """The builtin a hint names (``List[int]`` -> ``list``, ``Text`` -> ``str``), else None (unions, ``Any``, classes)."""
    try:
        node = ast.parse(canonical_type(hint), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    base = node.value if isinstance(node, ast.Subscript) else node
    return base.id if isinstance(base, ast.Name) and base.id in _KNOWN else None


class SignatureTypes(Mapping[str, str]):
    """The builtin of each folded name, and in ``elements`` the builtin its elements have (``list[int]`` -> ``int``)."""

    def __init__(self, kinds: Mapping[str, str], elements: Mapping[str, str]) -> None:
        self._kinds = MappingProxyType(dict(kinds))
        self.elements = MappingProxyType(dict(elements))

    def __getitem__(self, name: str) -> str:
        return self._kinds[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


def element_type(hint: str | None) -> str | None:
    """The builtin element of a homogeneous container (``List[int]``, ``tuple[str, ...]``), else None."""
    try:
        node = ast.parse(canonical_type(hint), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in _CONTAINERS):
        return None
    inner = node.slice
    if node.value.id == "tuple":
        variadic = isinstance(inner, ast.Tuple) and len(inner.elts) == 2
        if not (variadic and isinstance(inner.elts[1], ast.Constant) and inner.elts[1].value is Ellipsis):
            return None
        inner = inner.elts[0]
    return inner.id if isinstance(inner, ast.Name) and inner.id in _KNOWN else None


def signature_types(signature: FunctionSignature) -> SignatureTypes | None:
    """The builtin type of each parameter and of ``result``, by folded name.

    None when a parameter shadows ``len``, ``bool`` or ``isinstance``: the rules call
    them, so nothing is rewritten; one that shadows a builtin the element rules call
    (``sorted``, ``all``, ``zip``, ...) leaves the elements unknown. A name given two
    types is left out.
    """
    names = [_folded(parameter.name) for parameter in signature.parameters]
    if _BUILTINS_CALLED & set(names):
        return None
    hints: dict[str, set[tuple[str | None, str | None]]] = {}
    for name, parameter in zip(names, signature.parameters, strict=True):
        hints.setdefault(name, set()).add((builtin_type(parameter.type_hint), element_type(parameter.type_hint)))
    hints.setdefault(RESULT, set()).add((builtin_type(signature.returns), element_type(signature.returns)))
    kinds: dict[str, str] = {}
    elements: dict[str, str] = {}
    for name, readings in hints.items():
        kind, element = next(iter(readings))
        if len(readings) == 1 and kind is not None:
            kinds[name] = kind
            if element is not None:
                elements[name] = element
    return SignatureTypes(kinds, {} if _ELEMENT_BUILTINS & set(names) else elements)


# --------------------------------------------------------------------------- small AST helpers


def _is_call(node: ast.expr, function: str, arity: int) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == function
        and len(node.args) == arity
        and not node.keywords
        and not any(isinstance(arg, ast.Starred) for arg in node.args)
    )


def _call(function: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=function, ctx=ast.Load()), args=list(args), keywords=[])


def _integer(value: int) -> ast.expr:
    """An integer literal as the parser builds it (``-1`` is a negation of ``1``), so spellings compare equal."""
    literal = ast.Constant(value=abs(value))
    return ast.UnaryOp(op=ast.USub(), operand=literal) if value < 0 else literal


def _integer_value(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _integer_value(node.operand)
        return None if inner is None else -inner
    return None


def _compare(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.Compare:
    return ast.Compare(left=left, ops=[op], comparators=[right])


def _non_empty(sized: ast.expr) -> ast.Compare:
    return _compare(_integer(1), ast.LtE(), _call("len", sized))


def _empty(sized: ast.expr) -> ast.Compare:
    return _compare(_call("len", sized), ast.Eq(), _integer(0))


def _is_empty_value(kind: str, node: ast.expr) -> bool:
    """Is ``node`` the empty value of builtin ``kind`` (``""``, ``[]``, ``{}``, ``set()``, ...)?"""
    if isinstance(node, ast.Constant):
        return type(node.value).__name__ == kind and not node.value
    if isinstance(node, ast.List | ast.Tuple):
        return kind == type(node).__name__.lower() and not node.elts
    if isinstance(node, ast.Dict):
        return kind == "dict" and not node.keys
    return _is_call(node, kind, 0)


def _classes(node: ast.expr) -> list[ast.expr]:
    return [item for element in node.elts for item in _classes(element)] if isinstance(node, ast.Tuple) else [node]


def _isinstance_of(subject: ast.expr, classes: Iterable[ast.expr]) -> ast.Call:
    """``isinstance`` over the sorted, de-duplicated ``classes``."""
    unique = {ast.unparse(cls): cls for cls in classes}
    ordered = [unique[key] for key in sorted(unique)]
    spec = ordered[0] if len(ordered) == 1 else ast.Tuple(elts=ordered, ctx=ast.Load())
    return _call("isinstance", subject, spec)


def _merged_isinstance(values: Sequence[ast.expr]) -> list[ast.expr]:
    """``isinstance(x, A) or isinstance(x, B)`` -> ``isinstance(x, (A, B))``, other operands kept."""
    subjects: dict[str, tuple[ast.expr, list[ast.expr]]] = {}
    kept: list[ast.expr | str] = []
    for value in values:
        if isinstance(value, ast.Call) and _is_call(value, "isinstance", 2):
            key = ast.unparse(value.args[0])
            if key not in subjects:
                subjects[key] = (value.args[0], [])
                kept.append(key)
            subjects[key][1].extend(_classes(value.args[1]))
        else:
            kept.append(value)
    return [_isinstance_of(*subjects[item]) if isinstance(item, str) else item for item in kept]


# --------------------------------------------------------------------------- the rewrite


class _TypedRewriter:
    """Rewrites a canonical predicate to one form per meaning, given ``types`` (see the module docstring)."""

    def __init__(self, types: NameTypes, elements: NameTypes | None = None) -> None:
        self.types = types
        self.elements: NameTypes = elements or {}

    def type_of(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.types.get(node.id)
        return "int" if _is_call(node, "len", 1) else None

    def is_boolean(self, node: ast.expr) -> bool:
        """Does ``node`` evaluate to a bool, so its truth value may stand for it?"""
        if isinstance(node, ast.BoolOp):
            return all(self.is_boolean(value) for value in node.values)
        return (
            isinstance(node, ast.Compare)
            or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not))
            or self.type_of(node) == "bool"
            or _is_call(node, "isinstance", 2)
        )

    def rewrite(self, node: ast.expr, *, truth: bool) -> ast.expr:
        """``node`` rewritten; ``truth``: Python reads only its truth value here."""
        if isinstance(node, ast.Call) and (_is_call(node, "all", 1) or _is_call(node, "any", 1)):
            ordered = self.sorted_subject(node)
            if ordered is not None:
                return _compare(ordered, ast.Eq(), _call("sorted", ordered))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                generator = node.args[0]
                if isinstance(generator, ast.GeneratorExp):
                    return _call(node.func.id, self.over_int_elements(generator))
        if isinstance(node, _BINDING):
            return node
        if isinstance(node, ast.BoolOp):
            values = [self.rewrite(value, truth=truth) for value in node.values]
            return ast.BoolOp(op=node.op, values=_merged_isinstance(values) if isinstance(node.op, ast.Or) else values)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.negated(self.rewrite(node.operand, truth=True))
        if isinstance(node, ast.Call) and _is_call(node, "bool", 1):
            inner = self.rewrite(node.args[0], truth=True)
            return inner if truth or self.is_boolean(inner) else _call("bool", inner)
        rebuilt = self.simplified(self.children(node))
        return self.truth(rebuilt) if truth else rebuilt

    def children(self, node: ast.expr) -> ast.expr:
        """A copy of ``node`` with its sub-expressions rewritten (as values, but a conditional's test)."""
        fields: dict[str, object] = {}
        for name, value in ast.iter_fields(node):
            truth = isinstance(node, ast.IfExp) and name == "test"
            if isinstance(value, ast.expr):
                value = self.rewrite(value, truth=truth)
            elif isinstance(value, list):
                value = [self.rewrite(item, truth=False) if isinstance(item, ast.expr) else item for item in value]
            fields[name] = value
        return type(node)(**fields)

    def truth(self, node: ast.expr) -> ast.expr:
        """The truth value of ``node`` in one form, where its type says what it is."""
        if self.is_int_parity(node):
            return _compare(node, ast.Eq(), _integer(1))
        kind = self.type_of(node)
        if kind in _SIZED:
            return _non_empty(node)
        if kind in _NUMBERS:
            return self.simplified(_compare(node, ast.NotEq(), _integer(0)))
        return node

    def negated(self, operand: ast.expr) -> ast.expr:
        if isinstance(operand, ast.UnaryOp) and isinstance(operand.op, ast.Not) and self.is_boolean(operand.operand):
            return operand.operand
        if isinstance(operand, ast.Compare) and len(operand.ops) == 1:
            negation = negated_comparison(operand.left, operand.ops[0], operand.comparators[0])
            if negation is not None:
                return self.simplified(negation)
        return ast.UnaryOp(op=ast.Not(), operand=operand)

    def simplified(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Call) and _is_call(node, "isinstance", 2):
            return _isinstance_of(node.args[0], _classes(node.args[1]))
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
            return node
        left, op, right = node.left, node.ops[0], node.comparators[0]
        for rule in (self.emptiness, self.flag, self.integer_bound, self.parity):
            rewritten = rule(left, op, right)
            if rewritten is not None:
                return rewritten
        return node

    def emptiness(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr | None:
        """``s == ""`` is ``len(s) == 0`` for a str (``xs != []`` for a list, ...)."""
        if not isinstance(op, ast.Eq | ast.NotEq):
            return None
        for sized, other in ((left, right), (right, left)):
            kind = self.type_of(sized)
            if isinstance(sized, ast.Name) and kind in _SIZED and _is_empty_value(kind, other):
                return _empty(sized) if isinstance(op, ast.Eq) else _non_empty(sized)
        return None

    def flag(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr | None:
        """``flag == True`` is ``flag``, ``flag is False`` is ``not flag``, for a bool."""
        if not isinstance(op, ast.Eq | ast.NotEq | ast.Is | ast.IsNot):
            return None
        for name, other in ((left, right), (right, left)):
            if self.type_of(name) == "bool" and isinstance(other, ast.Constant) and type(other.value) is bool:
                positive = isinstance(op, ast.Eq | ast.Is) is other.value
                return name if positive else ast.UnaryOp(op=ast.Not(), operand=name)
        return None

    def integer_bound(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr | None:
        """An int against an integer literal, bounded non-strictly; a length knows it is never negative."""
        low = _integer_value(left)
        if low is not None and isinstance(op, ast.Lt) and self.type_of(right) == "int":
            return _compare(_integer(low + 1), ast.LtE(), right)  # k < n  ->  k + 1 <= n
        high = _integer_value(right)
        if high is None or self.type_of(left) != "int":
            return None
        if isinstance(op, ast.Lt):  # n < k  ->  n <= k - 1
            op, high = ast.LtE(), high - 1
        if isinstance(left, ast.Call) and _is_call(left, "len", 1) and high == 0:
            if isinstance(op, ast.LtE):
                return _empty(left.args[0])
            if isinstance(op, ast.NotEq):
                return _non_empty(left.args[0])
        return _compare(left, op, _integer(high))


    def is_int_parity(self, node: ast.expr) -> bool:
        """Is ``node`` ``x % 2`` for an ``int`` ``x`` (a name typed ``int``, or a ``len()``), so 0 or 1?"""
        return (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and _integer_value(node.right) == 2
            and self.type_of(node.left) == "int"
        )

    def parity(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr | None:
        """``x % 2 != 1`` is ``x % 2 == 0`` and ``x % 2 != 0`` is ``x % 2 == 1`` for an int."""
        remainder = _integer_value(right)
        if not (isinstance(op, ast.Eq | ast.NotEq) and remainder in (0, 1) and self.is_int_parity(left)):
            return None
        even = (remainder == 0) is isinstance(op, ast.Eq)
        return _compare(left, ast.Eq(), _integer(0 if even else 1))

    def element_of(self, container: ast.expr) -> str | None:
        if isinstance(container, ast.Name) and self.types.get(container.id) in _CONTAINERS:
            return self.elements.get(container.id)
        return None

    def over_int_elements(self, generator: ast.GeneratorExp) -> ast.GeneratorExp:
        """``all``/``any`` over one ``for x in xs`` of ``int`` elements: read ``x`` as an ``int`` (alone)."""
        if len(generator.generators) != 1:
            return generator
        loop = generator.generators[0]
        target = loop.target
        if loop.is_async or not isinstance(target, ast.Name) or self.element_of(loop.iter) != "int":
            return generator
        inner = _TypedRewriter(MappingProxyType({target.id: "int"}))
        ifs = [inner.rewrite(test, truth=True) for test in loop.ifs]
        return ast.GeneratorExp(
            elt=inner.rewrite(generator.elt, truth=True),
            generators=[ast.comprehension(target=target, iter=loop.iter, ifs=ifs, is_async=0)],
        )

    def sorted_subject(self, node: ast.Call) -> ast.Name | None:
        """The list an ``all(...)`` says is in non-decreasing order, pairwise by index or by ``zip``."""
        generator = node.args[0]
        if not (_is_call(node, "all", 1) and isinstance(generator, ast.GeneratorExp)):
            return None
        if len(generator.generators) != 1 or generator.generators[0].ifs or generator.generators[0].is_async:
            return None
        loop, elt = generator.generators[0], generator.elt
        if not (isinstance(elt, ast.Compare) and len(elt.ops) == 1 and isinstance(elt.ops[0], ast.LtE)):
            return None
        subject = _pairwise_by_index(loop, elt.left, elt.comparators[0]) or _pairwise_by_zip(
            loop, elt.left, elt.comparators[0]
        )
        if subject is None or self.types.get(subject.id) != "list" or self.elements.get(subject.id) not in _ORDERED:
            return None
        return subject


def _is_name(node: ast.expr, name: str | None = None) -> bool:
    return isinstance(node, ast.Name) and (name is None or node.id == name)


def _pairwise_by_index(loop: ast.comprehension, low: ast.expr, high: ast.expr) -> ast.Name | None:
    """``xs[i] <= xs[i + 1] for i in range(len(xs) - 1)`` -> ``xs``."""
    bound = loop.iter
    if not (isinstance(loop.target, ast.Name) and isinstance(bound, ast.Call) and _is_call(bound, "range", 1)):
        return None
    if not (isinstance(low, ast.Subscript) and isinstance(high, ast.Subscript) and isinstance(low.value, ast.Name)):
        return None
    index, subject = loop.target.id, low.value
    if subject.id == index or ast.unparse(high.value) != subject.id or not _is_name(low.slice, index):
        return None
    following = ast.unparse(high.slice) == f"{index} + 1"
    return subject if following and ast.unparse(bound.args[0]) == f"len({subject.id}) - 1" else None


def _pairwise_by_zip(loop: ast.comprehension, low: ast.expr, high: ast.expr) -> ast.Name | None:
    """``a <= b for a, b in zip(xs, xs[1:])`` -> ``xs``."""
    target, pairs = loop.target, loop.iter
    if not (isinstance(target, ast.Tuple) and isinstance(pairs, ast.Call) and _is_call(pairs, "zip", 2)):
        return None
    if not (isinstance(low, ast.Name) and isinstance(high, ast.Name) and low.id != high.id):
        return None
    if [ast.unparse(name) for name in target.elts] != [low.id, high.id]:
        return None
    subject, shifted = pairs.args
    if not isinstance(subject, ast.Name) or subject.id in (low.id, high.id):
        return None
    return subject if ast.unparse(shifted) == f"{subject.id}[1:]" else None


def _predicate_atoms(predicate: str, types: NameTypes | None) -> frozenset[str]:
    """The conjuncts a predicate asserts, each in canonical form, names folded across casing styles."""
    node = parse_predicate(predicate, fold_names=True)
    if node is not None and types is not None and not any(isinstance(inner, ast.NamedExpr) for inner in ast.walk(node)):
        try:
            elements = types.elements if isinstance(types, SignatureTypes) else None
            node = PredicateCanonicaliser().visit(_TypedRewriter(types, elements).rewrite(node, truth=True))
        except RecursionError:  # too deep to rewrite: compared in the type-free form
            pass
    if node is not None:
        try:
            conjuncts = node.values if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) else [node]
            return frozenset(ast.unparse(conjunct) for conjunct in conjuncts)
        except (ValueError, RecursionError):
            pass
    phrase = normalise_phrase(predicate)
    return frozenset({phrase}) if phrase else frozenset()


def assertion_atoms(assertions: Iterable[Assertion], types: NameTypes | None = None) -> frozenset[str]:
    """All assertions together form one conjunction; return its atoms (read with ``types`` when given)."""
    atoms: frozenset[str] = frozenset()
    for assertion in assertions:
        atoms |= _predicate_atoms(assertion.predicate, types)
    return atoms
