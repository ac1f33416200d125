"""Accuracy against a gold IR: judge only what the request fixes.

"Write a function that returns the average of a list of floats" fixes the
signature's arity, order and types, but not the function's name nor its
parameters' names: the gold author's ``average(numbers)`` is one right answer
among many, and judging it would turn accuracy into a naming lottery. So a
suite line says, in its ``names`` object (:class:`NamingPolicy`), which names
its request leaves open or which alternatives it accepts; a line without one
fixes every name, as a request that names its function does.

:func:`match_gold` compares the signature under that policy: the parameter
count, their order and types and the return type always; each name only where
the policy fixes it (across casing styles, as everywhere) or among its
accepted alternatives. A name the policy accepts is aligned to the gold's
before the comparison, so every verdict reads in the gold's names. A gold type
``Any`` is the gold author saying the request does not state that type (most
HumanEval headers are unannotated), so any predicted type is accepted there.

Robustness never goes through this module: a prompt's own outputs are
compared with each other, where a variant that renames the function is still
a flip.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from tokdrift_cli.core.equivalence import GOLD_FIELDS, IRComparison, IRField, compare_irs, same_identifier
from tokdrift_cli.core.ir import IR, FunctionSignature
from tokdrift_cli.core.types import ANY, canonical_type

FIXED: Final = "fixed"
OPEN: Final = "open"
_RULE_HELP: Final = 'must be "fixed", "open" or a non-empty list of accepted names'
_NAME_TOKEN: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _name_rule(value: Any) -> Any:
    """Accept "fixed", "open" or a non-empty list of identifiers; refuse anything else in one sentence."""
    if value in (FIXED, OPEN):
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(item, str) for item in value):
        bad = [item for item in value if not item.isidentifier()]
        if bad:
            raise ValueError(f"not a Python identifier: {', '.join(repr(item) for item in bad)}")
        return tuple(value)
    raise ValueError(f"{_RULE_HELP}, got {value!r}")


def _parameter_rules(value: Any) -> Any:
    if value in (FIXED, OPEN):
        return value
    if isinstance(value, dict):
        return {key: _name_rule(rule) for key, rule in value.items()}
    raise ValueError(f'must be "fixed", "open" or an object of parameter name -> rule, got {value!r}')


NameRule = Annotated[Literal["fixed", "open"] | tuple[str, ...], BeforeValidator(_name_rule)]
ParameterRules = Annotated[Literal["fixed", "open"] | dict[str, NameRule], BeforeValidator(_parameter_rules)]


class NamingPolicy(BaseModel):
    """Which names of the gold signature the request fixes.

    ``function``: ``"fixed"`` (the gold's name, in any casing), ``"open"``
    (any name), or a list of names accepted besides the gold's.
    ``parameters``: one rule for all (``"fixed"`` or ``"open"``), or an object
    from gold parameter name to its rule; a parameter it does not list is fixed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    function: NameRule = FIXED
    parameters: ParameterRules = FIXED

    def parameter_rule(self, gold_name: str) -> str | tuple[str, ...]:
        if isinstance(self.parameters, str):
            return self.parameters
        return self.parameters.get(gold_name, FIXED)

    @property
    def fixes_function(self) -> bool:
        return self.function == FIXED

    def unknown_parameters(self, signature: FunctionSignature) -> list[str]:
        """Parameters the policy names that the gold signature does not have (a mistake in the suite line)."""
        if isinstance(self.parameters, str):
            return []
        known = {parameter.name for parameter in signature.parameters}
        return [name for name in self.parameters if name not in known]


FIXED_NAMES: Final = NamingPolicy()


def mentions_name(text: str, name: str) -> bool:
    """Does ``text`` contain ``name`` as an identifier, in any casing style?"""
    return any(same_identifier(token, name) for token in _NAME_TOKEN.findall(text))


def policy_from_prompt(prompt: str, signature: FunctionSignature) -> NamingPolicy:
    """The policy a request's text suggests: a name it never mentions (in any casing) is open.

    An aid for writing a suite line (``tokdrift suite mark-names``), to be
    reviewed by a person; scoring never guesses and reads only the line.
    """
    function = FIXED if mentions_name(prompt, signature.name) else OPEN
    unmentioned = [p.name for p in signature.parameters if not mentions_name(prompt, p.name)]
    if unmentioned and len(unmentioned) == len(signature.parameters):
        return NamingPolicy(function=function, parameters=OPEN)
    return NamingPolicy(function=function, parameters={name: OPEN for name in unmentioned} or FIXED)


def _accepted(rule: str | tuple[str, ...], gold: str, predicted: str) -> bool:
    """Is ``predicted`` a name that ``rule`` accepts for the gold name ``gold``?"""
    if rule == OPEN:
        return True
    accepted = (gold,) if rule == FIXED else (gold, *rule)
    return any(same_identifier(predicted, name) for name in accepted)


def _aligned(predicted: IR, gold: IR, names: NamingPolicy) -> tuple[IR, str | None, list[str]]:
    """``predicted`` with every name the policy accepts spelled as the gold's; what was accepted, in words."""
    signature, gold_signature = predicted.signature, gold.signature
    function_note = None
    name = signature.name
    if not same_identifier(name, gold_signature.name) and _accepted(names.function, gold_signature.name, name):
        if names.function == OPEN:
            function_note = f"name left open by the request: {name} accepted (gold {gold_signature.name})"
        else:
            function_note = f"name {name} is an accepted alternative (gold {gold_signature.name})"
        name = gold_signature.name
    parameters = list(signature.parameters)
    parameter_notes = []
    for position, (parameter, gold_parameter) in enumerate(zip(parameters, gold_signature.parameters, strict=False)):
        rule = names.parameter_rule(gold_parameter.name)
        if not same_identifier(parameter.name, gold_parameter.name) and _accepted(
            rule, gold_parameter.name, parameter.name
        ):
            parameter_notes.append(f"{parameter.name} for {gold_parameter.name}")
            parameters[position] = parameter.model_copy(update={"name": gold_parameter.name})
    for position, (parameter, gold_parameter) in enumerate(zip(parameters, gold_signature.parameters, strict=False)):
        if _leaves_type_open(gold_parameter.type_hint) and parameter.type_hint != gold_parameter.type_hint:
            parameters[position] = parameter.model_copy(update={"type_hint": gold_parameter.type_hint})
    returns = gold_signature.returns if _leaves_type_open(gold_signature.returns) else signature.returns
    renamed = signature.model_copy(update={"name": name, "parameters": parameters, "returns": returns})
    return predicted.model_copy(update={"signature": renamed}), function_note, parameter_notes


def _leaves_type_open(gold_hint: str | None) -> bool:
    """A gold type ``Any`` says the request does not state that type, so any answer is accepted."""
    return gold_hint is not None and gold_hint.strip() != "" and canonical_type(gold_hint) == ANY


def match_gold(predicted: IR, gold: IR, names: NamingPolicy = FIXED_NAMES) -> IRComparison:
    """Signature accuracy under the gold's naming policy: arity, order, stated types and return, names as fixed."""
    aligned, function_note, parameter_notes = _aligned(predicted, gold, names)
    comparison = compare_irs(aligned, gold, fields=GOLD_FIELDS)
    if function_note is None and isinstance(names.function, tuple) and not comparison.verdict(IRField.NAME).equivalent:
        function_note = f"{comparison.verdict(IRField.NAME).reason} (nor any accepted alternative: "
        function_note += ", ".join(names.function) + ")"
    if function_note is None and not parameter_notes:
        return comparison
    verdicts = []
    for verdict in comparison.verdicts:
        if verdict.field is IRField.NAME and function_note is not None:
            verdict = verdict.model_copy(update={"reason": function_note})
        elif verdict.field is IRField.PARAMETERS and parameter_notes:
            accepted = ", ".join(parameter_notes)
            verdict = verdict.model_copy(
                update={"reason": f"{verdict.reason}; names accepted by the policy: {accepted}"}
            )
        verdicts.append(verdict)
    return comparison.model_copy(update={"verdicts": verdicts})
