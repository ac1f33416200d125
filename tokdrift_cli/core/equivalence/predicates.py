"""One canonical spelling for Python-like predicates, so ``x > 0`` and ``0 < x`` compare equal."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

from tokdrift_cli.core.equivalence.names import identifier_words

# ``a > b`` is written ``b < a`` (and ``>=`` as ``<=``) so each order has one form.
_FLIPPED: Final[Mapping[type[ast.cmpop], type[ast.cmpop]]] = MappingProxyType({ast.Gt: ast.Lt, ast.GtE: ast.LtE})
# Operators whose operands may be swapped freely.
_SYMMETRIC: Final = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)
# not (a OP b) == a NEGATED b (Lt/LtE negate by swapping operands as well).
_NEGATED: Final[Mapping[type[ast.cmpop], type[ast.cmpop]]] = MappingProxyType(
    {
        ast.Eq: ast.NotEq,
        ast.NotEq: ast.Eq,
        ast.In: ast.NotIn,
        ast.NotIn: ast.In,
        ast.Is: ast.IsNot,
        ast.IsNot: ast.Is,
    }
)
_MAX_PREDICATE_LENGTH: Final = 2_000
_ARTICLES: Final = frozenset({"a", "an", "the"})
_TRAILING_PUNCTUATION: Final = ".,;:!?"


def normalise_phrase(text: str) -> str:
    """Lowercase, collapse whitespace, drop trailing punctuation and a leading article."""
    words = text.casefold().split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words).rstrip(_TRAILING_PUNCTUATION).rstrip()


class PredicateCanonicaliser(ast.NodeTransformer):
    """Rewrites a predicate bottom-up into one canonical form.

    Comparisons point one way (``<``/``<=``), symmetric comparisons sort their
    operands, ``== None`` becomes ``is None``, negated comparisons become the
    opposite comparison, chained comparisons become ``and`` chains, and
    ``and``/``or`` operands are flattened, de-duplicated and sorted.

    ``not (a < b)`` -> ``b <= a`` assumes a total order (numbers, strings), which
    is what specs compare; it is wrong for sets, which specs rarely order.
    De Morgan's laws hold for any operands, so a negation is pushed inside
    ``and``/``or`` and through ``any``/``all`` over a generator
    (``not any(x <= 0 for x in xs)`` -> ``all(0 < x for x in xs)``).
    Arithmetic is left as written, but for squares (``x ** 2`` is ``x * x``):
    ``len(s) > 0`` stays apart from ``s != ""`` and ``x >= 1`` from ``x > 0``
    here; they are equal only for some types, which :mod:`.typed_predicates`
    reads from the signature.
    """

    def __init__(self, *, fold_names: bool = False) -> None:
        self.fold_names = fold_names

    def visit_Name(self, node: ast.Name) -> ast.expr:
        # For comparison only: names match across casing styles (``maxValue`` is ``max_value``),
        # as the signature's do. Not for canonical_predicate, whose text must stay valid code.
        words = identifier_words(node.id) if self.fold_names else ()
        return ast.Name(id="_".join(words), ctx=node.ctx) if words else node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        operands = [node.left, *node.comparators]
        links = [
            canonical_comparison(left, op, right)
            for left, op, right in zip(operands, node.ops, operands[1:], strict=False)
        ]
        return links[0] if len(links) == 1 else _bool_op(ast.And(), links)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Not):
            return node
        return negated(node.operand)

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant) and node.right.value == 2:
            # A square has one form: ``x ** 2`` is ``x * x`` (for the numbers either is defined on).
            return ast.BinOp(left=node.left, op=ast.Mult(), right=node.left)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        self.generic_visit(node)
        return _bool_op(node.op, node.values)


def canonical_comparison(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr:
    flipped = _FLIPPED.get(type(op))
    if flipped is not None:
        left, op, right = right, flipped(), left
    if isinstance(op, ast.Eq | ast.NotEq) and (_is_none(left) or _is_none(right)):
        # ``== None`` and ``is None`` mean the same for any sane value.
        op = ast.Is() if isinstance(op, ast.Eq) else ast.IsNot()
    if isinstance(op, _SYMMETRIC) and _operand_key(right) < _operand_key(left):
        left, right = right, left
    return ast.Compare(left=left, ops=[op], comparators=[right])


def negated_comparison(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr | None:
    """``not (left op right)`` as a single comparison, if there is one."""
    if isinstance(op, ast.Lt):
        return canonical_comparison(right, ast.LtE(), left)
    if isinstance(op, ast.LtE):
        return canonical_comparison(right, ast.Lt(), left)
    negated = _NEGATED.get(type(op))
    return None if negated is None else canonical_comparison(left, negated(), right)


_DUAL_QUANTIFIER: Final = MappingProxyType({"any": "all", "all": "any"})


def negated(operand: ast.expr) -> ast.expr:
    """``not operand`` in canonical form: negation pushed inward where a law allows it."""
    if isinstance(operand, ast.UnaryOp) and isinstance(operand.op, ast.Not):
        return operand.operand
    if isinstance(operand, ast.Compare) and len(operand.ops) == 1:
        negation = negated_comparison(operand.left, operand.ops[0], operand.comparators[0])
        if negation is not None:
            return negation
    if isinstance(operand, ast.BoolOp):
        dual = ast.Or() if isinstance(operand.op, ast.And) else ast.And()
        return _bool_op(dual, [negated(value) for value in operand.values])
    quantified = _quantified_generator(operand)
    if quantified is not None:
        function, generator = quantified
        inverted = ast.GeneratorExp(elt=negated(generator.elt), generators=generator.generators)
        return ast.Call(func=ast.Name(id=_DUAL_QUANTIFIER[function], ctx=ast.Load()), args=[inverted], keywords=[])
    return ast.UnaryOp(op=ast.Not(), operand=operand)


def _quantified_generator(node: ast.expr) -> tuple[str, ast.GeneratorExp] | None:
    """``("any", gen)`` for ``any(gen)`` (likewise ``all``): the calls De Morgan's laws apply to."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DUAL_QUANTIFIER):
        return None
    if node.keywords or len(node.args) != 1 or not isinstance(node.args[0], ast.GeneratorExp):
        return None
    return node.func.id, node.args[0]


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _operand_key(node: ast.expr) -> tuple[bool, str]:
    """Order operands of symmetric comparisons: constants go to the right."""
    return (isinstance(node, ast.Constant), ast.unparse(node))


def _bool_op(op: ast.boolop, values: Sequence[ast.expr]) -> ast.expr:
    """Flatten nested same-operator chains, drop duplicates, sort by text."""
    flat: dict[str, ast.expr] = {}
    for value in values:
        inner = value.values if isinstance(value, ast.BoolOp) and type(value.op) is type(op) else [value]
        for item in inner:
            flat.setdefault(ast.unparse(item), item)
    ordered = [flat[key] for key in sorted(flat)]
    return ordered[0] if len(ordered) == 1 else ast.BoolOp(op=op, values=ordered)


def parse_predicate(predicate: str, *, fold_names: bool = False) -> ast.expr | None:
    """Parse a predicate as a Python expression (``assert`` allowed), else ``None``."""
    text = " ".join(predicate.split()).removeprefix("assert ")
    if not text or len(text) > _MAX_PREDICATE_LENGTH:
        return None
    try:
        tree = ast.parse(text, mode="eval")
        return ast.fix_missing_locations(PredicateCanonicaliser(fold_names=fold_names).visit(tree)).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def canonical_predicate(predicate: str) -> str:
    """One canonical spelling of a Python-like predicate; never raises.

    ``x > 0`` and ``0 < x`` give the same string, as do ``not (a == b)`` and
    ``a != b``, ``0 < x < 10`` and ``x > 0 and x < 10``, or ``p and q`` and
    ``q and p``. Text that is not a Python expression is returned lowercased
    with collapsed whitespace and without trailing punctuation.
    """
    node = parse_predicate(predicate)
    if node is not None:
        try:
            return ast.unparse(node)
        except (ValueError, RecursionError):
            pass
    return normalise_phrase(predicate)
