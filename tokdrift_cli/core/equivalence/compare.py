"""Compare two IRs field by field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from types import MappingProxyType
from typing import Final

from tokdrift_cli.core.equivalence.free_text import compare_effects, compare_intents
from tokdrift_cli.core.equivalence.structural import (
    compare_assertions,
    compare_names,
    compare_parameters,
    compare_returns,
)
from tokdrift_cli.core.equivalence.text_tier import TextJudge
from tokdrift_cli.core.equivalence.verdicts import (
    ROBUSTNESS_FIELDS,
    FieldVerdict,
    IRComparison,
    IRField,
    overall,
)
from tokdrift_cli.core.ir import IR

# Free-text fields, which a judge may settle where the deterministic tier cannot; then the rest.
_JUDGED: Final[Mapping[IRField, Callable[..., FieldVerdict]]] = MappingProxyType(
    {IRField.INTENT: compare_intents, IRField.PARAMETERS: compare_parameters, IRField.EFFECTS: compare_effects}
)
_STRUCTURAL: Final[Mapping[IRField, Callable[[IR, IR], FieldVerdict]]] = MappingProxyType(
    {IRField.NAME: compare_names, IRField.RETURNS: compare_returns, IRField.ASSERTIONS: compare_assertions}
)


def compare_irs(
    a: IR, b: IR, *, fields: frozenset[IRField] = ROBUSTNESS_FIELDS, judge: TextJudge | None = None
) -> IRComparison:
    """Compare every field of ``a`` and ``b``; the overall verdict counts only ``fields``.

    All six verdicts are always returned so a report can show, e.g., that the
    intent was reworded even when it does not count. ``judge`` is asked only
    about free text the deterministic tier leaves undecided.
    """
    comparators = {**_STRUCTURAL, **{field: partial(compare, judge=judge) for field, compare in _JUDGED.items()}}
    return overall([comparators[field](a, b) for field in IRField], fields)

