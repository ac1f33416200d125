"""Structural fields: name, parameters, return type and assertions.

These are code-like, so each is compared after a field-specific
canonicalisation and decided (tier ``structural``); only parameter
descriptions go through the free-text tier:

``name``
    Equal identifier words across casing styles (snake, camel, Pascal, kebab,
    SCREAMING_SNAKE, spaced); acronyms and digits are words of their own.
``parameters``
    Same count; position by position the same name (as above) and the same
    canonical type; order matters because callers pass arguments by position.
    Descriptions are free text: where both sides describe a parameter, the
    deterministic text tier judges them, and a description it finds
    different makes the field differ, one it cannot decide leaves the field
    undecided. A description on one side only is no contradiction.
``returns``
    Same canonical type; a missing return type means ``None``.
``assertions``
    All assertions together are one conjunction, split into atoms, each
    canonicalised, and the atom sets compared. Each side is read with its own
    signature's types, so ``len(s) > 0`` is ``s != ""`` where ``s`` is a ``str``
    (:mod:`.typed_predicates`).
"""

from __future__ import annotations

from tokdrift_cli.core.equivalence.names import same_identifier
from tokdrift_cli.core.equivalence.text_tier import TextJudge, decide_text
from tokdrift_cli.core.equivalence.typed_predicates import assertion_atoms, signature_types
from tokdrift_cli.core.equivalence.verdicts import FieldVerdict, IRField, Outcome, Tier
from tokdrift_cli.core.ir import IR, Parameter
from tokdrift_cli.core.types import canonical_type


def _decided(field: IRField, same: bool, reason: str) -> FieldVerdict:
    outcome = Outcome.SAME if same else Outcome.DIFFERENT
    return FieldVerdict(field=field, outcome=outcome, tier=Tier.STRUCTURAL, reason=reason)


def compare_names(a: IR, b: IR) -> FieldVerdict:
    name_a, name_b = a.signature.name, b.signature.name
    if name_a == name_b:
        return _decided(IRField.NAME, True, f"same name ({name_a})")
    if same_identifier(name_a, name_b):
        return _decided(IRField.NAME, True, f"same name across casing ({name_a} ~ {name_b})")
    return _decided(IRField.NAME, False, f"name differs: {name_a} vs {name_b}")


def _parameter_type(parameter: Parameter) -> str:
    """An empty parameter hint means "unspecified", i.e. ``Any`` (not ``None``)."""
    if not parameter.type_hint.strip():
        return "Any"
    return canonical_type(parameter.type_hint)


def _parameter_difference(position: int, a: Parameter, b: Parameter) -> str | None:
    """Describe how two parameters at the same position differ, or ``None``."""
    if not same_identifier(a.name, b.name):
        return f"parameter {position} name differs: {a.name} vs {b.name}"
    type_a, type_b = _parameter_type(a), _parameter_type(b)
    if type_a != type_b:
        return f"parameter {position} ({a.name}) type differs: {type_a} vs {type_b}"
    return None


def _description_notes(
    params_a: list[Parameter], params_b: list[Parameter], judge: TextJudge | None
) -> tuple[str | None, list[str], Tier]:
    """The first description that differs in meaning, the ones left undecided, and the tier that spoke last."""
    undecided: list[str] = []
    tier = Tier.STRUCTURAL
    for position, (param_a, param_b) in enumerate(zip(params_a, params_b, strict=True), start=1):
        if not (param_a.description and param_b.description) or param_a.description == param_b.description:
            continue
        verdict, tier = decide_text(IRField.PARAMETERS, param_a.description, param_b.description, judge)
        if verdict.outcome is Outcome.DIFFERENT:
            return f"parameter {position} ({param_a.name}) description differs: {verdict.reason}", undecided, tier
        if verdict.outcome is Outcome.UNDECIDED:
            undecided.append(str(position))
    return None, undecided, tier


def compare_parameters(a: IR, b: IR, judge: TextJudge | None = None) -> FieldVerdict:
    params_a, params_b = a.signature.parameters, b.signature.parameters
    if len(params_a) != len(params_b):
        names_a = ", ".join(p.name for p in params_a) or "none"
        names_b = ", ".join(p.name for p in params_b) or "none"
        reason = f"parameter count differs: {len(params_a)} ({names_a}) vs {len(params_b)} ({names_b})"
        return _decided(IRField.PARAMETERS, False, reason)
    for position, (param_a, param_b) in enumerate(zip(params_a, params_b, strict=True), start=1):
        difference = _parameter_difference(position, param_a, param_b)
        if difference is not None:
            return _decided(IRField.PARAMETERS, False, difference)
    differing, undecided, tier = _description_notes(params_a, params_b, judge)
    if differing is not None:
        return FieldVerdict(field=IRField.PARAMETERS, outcome=Outcome.DIFFERENT, tier=tier, reason=differing)
    reason = f"same {len(params_a)} parameter(s) by position, name and type"
    if undecided:
        reason += f", but the description of parameter {', '.join(undecided)} is reworded beyond the lexicons"
        return FieldVerdict(field=IRField.PARAMETERS, outcome=Outcome.UNDECIDED, tier=tier, reason=reason)
    return FieldVerdict(field=IRField.PARAMETERS, outcome=Outcome.SAME, tier=tier, reason=reason)


def compare_returns(a: IR, b: IR) -> FieldVerdict:
    type_a, type_b = canonical_type(a.signature.returns), canonical_type(b.signature.returns)
    if type_a == type_b:
        return _decided(IRField.RETURNS, True, f"same return type ({type_a})")
    return _decided(IRField.RETURNS, False, f"return type differs: {type_a} vs {type_b}")


def compare_assertions(a: IR, b: IR) -> FieldVerdict:
    atoms_a = assertion_atoms(a.assertions, signature_types(a.signature))
    atoms_b = assertion_atoms(b.assertions, signature_types(b.signature))
    if atoms_a == atoms_b:
        reason = f"same {len(atoms_a)} assertion(s), order-free after normalisation"
        if assertion_atoms(a.assertions) != assertion_atoms(b.assertions):
            reason += ", given the types of the names they test"
        return _decided(IRField.ASSERTIONS, True, reason)
    parts = []
    if only_a := sorted(atoms_a - atoms_b):
        parts.append("only in a: " + "; ".join(repr(item) for item in only_a))
    if only_b := sorted(atoms_b - atoms_a):
        parts.append("only in b: " + "; ".join(repr(item) for item in only_b))
    return _decided(IRField.ASSERTIONS, False, "assertions differ: " + ", ".join(parts))
