"""When do two IRs specify the same function?

The robustness measurement asks whether a meaning-preserving change of the
prompt changes the IR the generator produces. A raw ``==`` on IRs would count
harmless re-spellings as drift (``countVowels`` vs ``count_vowels``,
``List[int]`` vs ``list[int]``, ``x > 0`` vs ``0 < x``, effects listed in another
order), so each IR field is compared after a field-specific canonicalisation,
and every verdict carries a human-readable reason so a reported drift can be
checked by eye.

Field rules (one :class:`FieldVerdict` per field):

``name``
    Equal identifier words across casing styles (snake, camel, Pascal, kebab,
    SCREAMING_SNAKE, spaced); acronyms and digits are words of their own
    (``parseHTTP2Response`` -> ``parse http 2 response``).
``parameters``
    Same count; position by position the same name (as above) and the same
    :func:`canonical_type`. Descriptions are ignored; order matters because
    callers pass arguments by position.
``returns``
    Same :func:`canonical_type`; a missing return type means ``None``.
``effects``
    Equal sets of normalised descriptions (case, whitespace, trailing
    punctuation and a leading article do not matter; order and duplicates do not
    matter). Synonymous wording is *not* recognised.
``assertions``
    All assertions together are one conjunction; it is split into atoms, each
    canonicalised by :func:`canonical_predicate`, and the atom sets compared.
``intent``
    Content-word Jaccard similarity of the summaries (rationales are ignored)
    >= 0.5. Reported but not counted in :data:`ROBUSTNESS_FIELDS`: free text
    legitimately rewords.

Two field selections are defined:

* :data:`ROBUSTNESS_FIELDS` - name, parameters, returns, effects, assertions:
  "does the variant's IR specify the same function as the original's?".
* :data:`GOLD_FIELDS` - name, parameters, returns: *signature accuracy*, i.e. a
  predicted IR matches the gold IR when its signature does. Effects and
  assertions are left out because gold IRs cannot list every way a correct
  generator may phrase behaviour.

:func:`evaluate_labeled_pairs` measures this checker against human-labelled IR
pairs (``tests/data/ir_pairs.jsonl``) so reported precision/recall can be
regenerated. Known blind spots, kept in that file on purpose: synonymous effect
wording and semantically equal but syntactically different predicates are
reported as drift (missed equivalences); a changed meaning that lives only in
the intent or in parameter descriptions is not seen (missed drift).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tokdrift_cli.core.ir import IR, Assertion, Effect, Parameter, describe_validation_error
from tokdrift_cli.core.types import canonical_type
from tokdrift_cli.errors import InputError

__all__ = [
    "GOLD_FIELDS",
    "INTENT_THRESHOLD",
    "ROBUSTNESS_FIELDS",
    "FieldVerdict",
    "IRComparison",
    "IRField",
    "LabeledEvaluation",
    "LabeledPair",
    "canonical_predicate",
    "canonical_type",
    "compare_irs",
    "evaluate_labeled_pairs",
    "identifier_words",
    "load_labeled_pairs",
    "match_gold",
]


class IRField(StrEnum):
    """The parts of an IR that are compared separately."""

    INTENT = "intent"
    NAME = "name"
    PARAMETERS = "parameters"
    RETURNS = "returns"
    EFFECTS = "effects"
    ASSERTIONS = "assertions"


ROBUSTNESS_FIELDS: Final[frozenset[IRField]] = frozenset(
    {IRField.NAME, IRField.PARAMETERS, IRField.RETURNS, IRField.EFFECTS, IRField.ASSERTIONS}
)
GOLD_FIELDS: Final[frozenset[IRField]] = frozenset({IRField.NAME, IRField.PARAMETERS, IRField.RETURNS})

INTENT_THRESHOLD: Final = 0.5

# Function words, plus the boilerplate of requests ("a function that returns").
_STOPWORDS: Final = frozenset(
    """a an the of to in on for from by with and or as at is are be it its this that
    these those given into which whose when if then than each every all any
    function returns return method""".split()
)
_ARTICLES: Final = frozenset({"a", "an", "the"})
_TRAILING_PUNCTUATION: Final = ".,;:!?"


class FieldVerdict(BaseModel):
    """Whether one field matches, and why (meant to be read by a person)."""

    model_config = ConfigDict(frozen=True)

    field: IRField
    equivalent: bool
    reason: str


class IRComparison(BaseModel):
    """Verdicts for every field plus the overall verdict over the counted ones."""

    model_config = ConfigDict(frozen=True)

    verdicts: list[FieldVerdict]
    counted_fields: list[IRField]
    equivalent: bool
    differing_fields: list[IRField]

    def verdict(self, field: IRField) -> FieldVerdict:
        """The verdict for ``field`` (:func:`compare_irs` gives every field one)."""
        for verdict in self.verdicts:
            if verdict.field is field:
                return verdict
        raise KeyError(field)


# --------------------------------------------------------------------------- names


def identifier_words(name: str) -> tuple[str, ...]:
    """Split an identifier into lowercase words, whatever its casing style.

    A boundary is any non-alphanumeric character, a lower-to-upper change
    (``countVowels``), the last capital of an acronym before a lowercase letter
    (``HTTPResponse`` -> ``http``, ``response``) and a letter/digit change
    (``toBase64`` -> ``to``, ``base``, ``64``), so every casing of the same words
    yields the same tuple. A plural acronym keeps its ``s`` (``userIDs`` ->
    ``user``, ``ids``), as snake_case would write it.
    """
    words: list[str] = []
    current = ""
    for index, char in enumerate(name):
        if not char.isalnum():
            words.append(current)
            current = ""
            continue
        following = name[index + 1 : index + 3]
        if current and _starts_word(current[-1], char, following):
            words.append(current)
            current = ""
        current += char
    words.append(current)
    return tuple(word.casefold() for word in words if word)


def _starts_word(previous: str, char: str, following: str) -> bool:
    """Does ``char`` (after ``previous``, before the two ``following`` chars) begin a word?"""
    if previous.isdigit() != char.isdigit():
        return True
    if previous.islower() and char.isupper():
        return True
    if not (previous.isupper() and char.isupper() and following[:1].islower()):
        return False
    # A plural acronym keeps its "s": userIDs -> user, ids (not user, i, ds).
    return not (following[:1] == "s" and not following[1:2].islower())


def _same_identifier(a: str, b: str) -> bool:
    """Equal words; names without any word characters must match literally."""
    words_a, words_b = identifier_words(a), identifier_words(b)
    if words_a or words_b:
        return words_a == words_b
    return a.strip() == b.strip()


def _compare_names(a: IR, b: IR) -> FieldVerdict:
    name_a, name_b = a.signature.name, b.signature.name
    if name_a == name_b:
        return FieldVerdict(field=IRField.NAME, equivalent=True, reason=f"same name ({name_a})")
    if _same_identifier(name_a, name_b):
        reason = f"same name across casing ({name_a} ~ {name_b})"
        return FieldVerdict(field=IRField.NAME, equivalent=True, reason=reason)
    return FieldVerdict(field=IRField.NAME, equivalent=False, reason=f"name differs: {name_a} vs {name_b}")


# --------------------------------------------------------------------------- parameters


def _parameter_type(parameter: Parameter) -> str:
    """An empty parameter hint means "unspecified", i.e. ``Any`` (not ``None``)."""
    if not parameter.type_hint.strip():
        return "Any"
    return canonical_type(parameter.type_hint)


def _parameter_difference(position: int, a: Parameter, b: Parameter) -> str | None:
    """Describe how two parameters at the same position differ, or ``None``."""
    if not _same_identifier(a.name, b.name):
        return f"parameter {position} name differs: {a.name} vs {b.name}"
    type_a, type_b = _parameter_type(a), _parameter_type(b)
    if type_a != type_b:
        return f"parameter {position} ({a.name}) type differs: {type_a} vs {type_b}"
    return None


def _compare_parameters(a: IR, b: IR) -> FieldVerdict:
    params_a, params_b = a.signature.parameters, b.signature.parameters
    if len(params_a) != len(params_b):
        names_a = ", ".join(p.name for p in params_a) or "none"
        names_b = ", ".join(p.name for p in params_b) or "none"
        reason = f"parameter count differs: {len(params_a)} ({names_a}) vs {len(params_b)} ({names_b})"
        return FieldVerdict(field=IRField.PARAMETERS, equivalent=False, reason=reason)
    for position, (param_a, param_b) in enumerate(zip(params_a, params_b, strict=True), start=1):
        difference = _parameter_difference(position, param_a, param_b)
        if difference is not None:
            return FieldVerdict(field=IRField.PARAMETERS, equivalent=False, reason=difference)
    reason = f"same {len(params_a)} parameter(s) by position, name and type"
    return FieldVerdict(field=IRField.PARAMETERS, equivalent=True, reason=reason)


# --------------------------------------------------------------------------- returns


def _compare_returns(a: IR, b: IR) -> FieldVerdict:
    type_a, type_b = canonical_type(a.signature.returns), canonical_type(b.signature.returns)
    if type_a == type_b:
        return FieldVerdict(field=IRField.RETURNS, equivalent=True, reason=f"same return type ({type_a})")
    reason = f"return type differs: {type_a} vs {type_b}"
    return FieldVerdict(field=IRField.RETURNS, equivalent=False, reason=reason)


# --------------------------------------------------------------------------- effects


def _normalise_phrase(text: str) -> str:
    """Lowercase, collapse whitespace, drop trailing punctuation and a leading article."""
    words = text.casefold().split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words).rstrip(_TRAILING_PUNCTUATION).rstrip()


def _effect_set(effects: Iterable[Effect]) -> frozenset[str]:
    phrases = (_normalise_phrase(effect.description) for effect in effects)
    return frozenset(phrase for phrase in phrases if phrase)


def _compare_sets(field: IRField, noun: str, set_a: frozenset[str], set_b: frozenset[str]) -> FieldVerdict:
    """Compare order-free sets and name what is on one side only."""
    if set_a == set_b:
        reason = f"same {len(set_a)} {noun}(s), order-free after normalisation"
        return FieldVerdict(field=field, equivalent=True, reason=reason)
    parts = []
    if only_a := sorted(set_a - set_b):
        parts.append("only in a: " + "; ".join(repr(item) for item in only_a))
    if only_b := sorted(set_b - set_a):
        parts.append("only in b: " + "; ".join(repr(item) for item in only_b))
    return FieldVerdict(field=field, equivalent=False, reason=f"{noun}s differ: " + ", ".join(parts))


def _compare_effects(a: IR, b: IR) -> FieldVerdict:
    return _compare_sets(IRField.EFFECTS, "effect", _effect_set(a.effects), _effect_set(b.effects))


# --------------------------------------------------------------------------- assertions

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


class _PredicateCanonicaliser(ast.NodeTransformer):
    """Rewrites a predicate bottom-up into one canonical form.

    Comparisons point one way (``<``/``<=``), symmetric comparisons sort their
    operands, ``== None`` becomes ``is None``, negated comparisons become the
    opposite comparison, chained comparisons become ``and`` chains, and
    ``and``/``or`` operands are flattened, de-duplicated and sorted.

    ``not (a < b)`` -> ``b <= a`` assumes a total order (numbers, strings), which
    is what specs compare; it is wrong for sets, which specs rarely order.
    No De Morgan or arithmetic rewriting: ``len(s) > 0`` stays apart from
    ``s != ""`` and ``x >= 1`` from ``x > 0``.
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
            _canonical_comparison(left, op, right)
            for left, op, right in zip(operands, node.ops, operands[1:], strict=False)
        ]
        return links[0] if len(links) == 1 else _bool_op(ast.And(), links)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Not):
            return node
        operand = node.operand
        if isinstance(operand, ast.UnaryOp) and isinstance(operand.op, ast.Not):
            return operand.operand
        if isinstance(operand, ast.Compare) and len(operand.ops) == 1:
            return _negated_comparison(operand.left, operand.ops[0], operand.comparators[0]) or node
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        self.generic_visit(node)
        return _bool_op(node.op, node.values)


def _canonical_comparison(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr:
    flipped = _FLIPPED.get(type(op))
    if flipped is not None:
        left, op, right = right, flipped(), left
    if isinstance(op, ast.Eq | ast.NotEq) and (_is_none(left) or _is_none(right)):
        # ``== None`` and ``is None`` mean the same for any sane value.
        op = ast.Is() if isinstance(op, ast.Eq) else ast.IsNot()
    if isinstance(op, _SYMMETRIC) and _operand_key(right) < _operand_key(left):
        left, right = right, left
    return ast.Compare(left=left, ops=[op], comparators=[right])


def _negated_comparison(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr | None:
    """``not (left op right)`` as a single comparison, if there is one."""
    if isinstance(op, ast.Lt):
        return _canonical_comparison(right, ast.LtE(), left)
    if isinstance(op, ast.LtE):
        return _canonical_comparison(right, ast.Lt(), left)
    negated = _NEGATED.get(type(op))
    return None if negated is None else _canonical_comparison(left, negated(), right)


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


def _parse_predicate(predicate: str, *, fold_names: bool = False) -> ast.expr | None:
    """Parse a predicate as a Python expression (``assert`` allowed), else ``None``."""
    text = " ".join(predicate.split())
    if text.startswith("assert "):
        text = text[len("assert ") :]
    if not text or len(text) > _MAX_PREDICATE_LENGTH:
        return None
    try:
        tree = ast.parse(text, mode="eval")
        return ast.fix_missing_locations(_PredicateCanonicaliser(fold_names=fold_names).visit(tree)).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _predicate_atoms(predicate: str) -> frozenset[str]:
    """The conjuncts a predicate asserts, each in canonical form, names folded across casing styles."""
    node = _parse_predicate(predicate, fold_names=True)
    if node is not None:
        conjuncts = node.values if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) else [node]
        try:
            return frozenset(ast.unparse(conjunct) for conjunct in conjuncts)
        except (ValueError, RecursionError):
            pass
    phrase = _normalise_phrase(predicate)
    return frozenset({phrase}) if phrase else frozenset()


def canonical_predicate(predicate: str) -> str:
    """One canonical spelling of a Python-like predicate; never raises.

    ``x > 0`` and ``0 < x`` give the same string, as do ``not (a == b)`` and
    ``a != b``, ``0 < x < 10`` and ``x > 0 and x < 10``, or ``p and q`` and
    ``q and p``. Text that is not a Python expression is returned lowercased
    with collapsed whitespace and without trailing punctuation.
    """
    node = _parse_predicate(predicate)
    if node is not None:
        try:
            return ast.unparse(node)
        except (ValueError, RecursionError):
            pass
    return _normalise_phrase(predicate)


def _assertion_atoms(assertions: Iterable[Assertion]) -> frozenset[str]:
    """All assertions together form one conjunction; return its atoms."""
    atoms: frozenset[str] = frozenset()
    for assertion in assertions:
        atoms |= _predicate_atoms(assertion.predicate)
    return atoms


def _compare_assertions(a: IR, b: IR) -> FieldVerdict:
    atoms_a, atoms_b = _assertion_atoms(a.assertions), _assertion_atoms(b.assertions)
    return _compare_sets(IRField.ASSERTIONS, "assertion", atoms_a, atoms_b)


# --------------------------------------------------------------------------- intent


def _content_words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.casefold())) - _STOPWORDS


def _compare_intents(a: IR, b: IR) -> FieldVerdict:
    words_a, words_b = _content_words(a.intent.summary), _content_words(b.intent.summary)
    union = words_a | words_b
    score = len(words_a & words_b) / len(union) if union else 1.0
    equivalent = score >= INTENT_THRESHOLD
    relation = ">=" if equivalent else "<"
    reason = f"intent content-word Jaccard {score:.2f} {relation} {INTENT_THRESHOLD:.2f}"
    return FieldVerdict(field=IRField.INTENT, equivalent=equivalent, reason=reason)


# --------------------------------------------------------------------------- comparison

_COMPARATORS: Final[Mapping[IRField, Callable[[IR, IR], FieldVerdict]]] = MappingProxyType(
    {
        IRField.INTENT: _compare_intents,
        IRField.NAME: _compare_names,
        IRField.PARAMETERS: _compare_parameters,
        IRField.RETURNS: _compare_returns,
        IRField.EFFECTS: _compare_effects,
        IRField.ASSERTIONS: _compare_assertions,
    }
)


def compare_irs(a: IR, b: IR, *, fields: frozenset[IRField] = ROBUSTNESS_FIELDS) -> IRComparison:
    """Compare every field of ``a`` and ``b``; the overall verdict counts only ``fields``.

    All six verdicts are always returned so a report can show, e.g., that the
    intent was reworded even when it does not count.
    """
    verdicts = [_COMPARATORS[field](a, b) for field in IRField]
    counted = [field for field in IRField if field in fields]
    differing = [verdict.field for verdict in verdicts if verdict.field in fields and not verdict.equivalent]
    return IRComparison(
        verdicts=verdicts, counted_fields=counted, equivalent=not differing, differing_fields=differing
    )


def match_gold(predicted: IR, gold: IR) -> IRComparison:
    """Signature accuracy: does ``predicted`` match ``gold`` on name, parameters and returns?"""
    return compare_irs(predicted, gold, fields=GOLD_FIELDS)


# --------------------------------------------------------------------------- labelled evaluation


class LabeledPair(BaseModel):
    """One human-labelled pair: would ``a`` and ``b`` lead to the same function?

    ``kind`` says whether only free text (intent, effects, parameter
    descriptions) differs; ``fields_equivalent`` labels each free-text field
    whose text differs; ``split`` puts the pair in the tuning or the held-out
    part (a seeded hash of the id, fixed before any rule was tuned).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    a: IR
    b: IR
    equivalent: bool
    kind: Literal["structural", "free_text"] = "structural"
    fields_equivalent: dict[IRField, bool] = Field(default_factory=dict)
    split: Literal["tune", "heldout"] = "tune"
    note: str = ""


class LabeledEvaluation(BaseModel):
    """How :func:`compare_irs` agrees with human labels ("equivalent" is positive)."""

    model_config = ConfigDict(frozen=True)

    total: int
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int
    precision: float
    recall: float
    negative_precision: float
    negative_recall: float
    accuracy: float
    misclassified: list[str]


def _ratio(numerator: int, denominator: int) -> float:
    """A rate; 0.0 when nothing was there to count (no credit for emptiness)."""
    return numerator / denominator if denominator else 0.0


def load_labeled_pairs(path: Path | str) -> list[LabeledPair]:
    """Read a JSONL file of labelled pairs, reporting every bad line at once."""
    pairs: list[LabeledPair] = []
    problems: list[str] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"cannot read labelled pairs {path}: {error.strerror or error}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pairs.append(LabeledPair.model_validate(json.loads(line)))
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: invalid JSON ({error.msg})")
        except ValidationError as error:
            problems.append(f"line {number}: {describe_validation_error(error)}")
    if problems:
        raise InputError(f"{path}: " + "; ".join(problems))
    return pairs


def evaluate_labeled_pairs(path: Path | str) -> LabeledEvaluation:
    """Run :func:`compare_irs` (robustness fields) over labelled pairs and score it."""
    tp = fp = fn = tn = 0
    misclassified: list[str] = []
    for pair in load_labeled_pairs(path):
        predicted = compare_irs(pair.a, pair.b).equivalent
        if predicted != pair.equivalent:
            misclassified.append(pair.id)
        if predicted and pair.equivalent:
            tp += 1
        elif predicted:
            fp += 1
        elif pair.equivalent:
            fn += 1
        else:
            tn += 1
    total = tp + fp + fn + tn
    return LabeledEvaluation(
        total=total,
        true_positive=tp,
        false_positive=fp,
        false_negative=fn,
        true_negative=tn,
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, tp + fn),
        negative_precision=_ratio(tn, tn + fn),
        negative_recall=_ratio(tn, tn + fp),
        accuracy=_ratio(tp + tn, total),
        misclassified=misclassified,
    )
