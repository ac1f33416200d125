"""Compare two IRs field by field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from tokdrift_cli.core.equivalence.free_text import compare_effects, compare_intents
from tokdrift_cli.core.equivalence.structural import (
    compare_assertions,
    compare_names,
    compare_parameters,
    compare_returns,
)
from tokdrift_cli.core.equivalence.verdicts import (
    ROBUSTNESS_FIELDS,
    FieldVerdict,
    IRComparison,
    IRField,
    overall,
)
from tokdrift_cli.core.ir import IR

_COMPARATORS: Final[Mapping[IRField, Callable[[IR, IR], FieldVerdict]]] = MappingProxyType(
    {
        IRField.INTENT: compare_intents,
        IRField.NAME: compare_names,
        IRField.PARAMETERS: compare_parameters,
        IRField.RETURNS: compare_returns,
        IRField.EFFECTS: compare_effects,
        IRField.ASSERTIONS: compare_assertions,
    }
)


def compare_irs(a: IR, b: IR, *, fields: frozenset[IRField] = ROBUSTNESS_FIELDS) -> IRComparison:
    """Compare every field of ``a`` and ``b``; the overall verdict counts only ``fields``.

    All six verdicts are always returned so a report can show, e.g., that the
    intent was reworded even when it does not count.
    """
    return overall([_COMPARATORS[field](a, b) for field in IRField], fields)

