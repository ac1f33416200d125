"""When do two IRs specify the same function?

The robustness measurement asks whether a meaning-preserving change of the
prompt changes the IR the generator produces. A raw ``==`` on IRs would count
harmless re-spellings as drift (``countVowels`` vs ``count_vowels``,
``List[int]`` vs ``list[int]``, ``x > 0`` vs ``0 < x``, "raises" vs
"throws"), so every field is compared after its own canonicalisation, and
every verdict says which tier decided it and why.

* :mod:`.structural` - name, parameters, return type, assertions: canonical
  forms, always decided; assertions are read with the signature's types
  (:mod:`.typed_predicates`).
* :mod:`.free_text` - intent and effects, through the deterministic text tier
  (:mod:`.text_tier`, :mod:`.canonical`, the lexicons in ``data/``), which
  answers same, different or *undecided*.
* :mod:`.verdicts` - the verdict models, with the field selections:
  :data:`ROBUSTNESS_FIELDS` ("does the variant's IR specify the same
  function?") and :data:`GOLD_FIELDS` (signature accuracy: name, parameters,
  return type; judged against a gold under the suite line's naming policy
  by :mod:`tokdrift_cli.core.gold`).
* :mod:`.labeled` - the labelled pairs (``tests/data/ir_pairs.jsonl``) and
  precision / recall / coverage against them.
"""

from tokdrift_cli.core.equivalence.compare import compare_irs
from tokdrift_cli.core.equivalence.labeled import (
    LabeledEvaluation,
    LabeledPair,
    evaluate_labeled_pairs,
    evaluate_pairs,
    load_labeled_pairs,
)
from tokdrift_cli.core.equivalence.names import identifier_words, same_identifier
from tokdrift_cli.core.equivalence.predicates import canonical_predicate
from tokdrift_cli.core.equivalence.text_tier import TextJudge, TextVerdict, compare_texts
from tokdrift_cli.core.equivalence.verdicts import (
    GOLD_FIELDS,
    ROBUSTNESS_FIELDS,
    FieldVerdict,
    IRComparison,
    IRField,
    Outcome,
    Tier,
)
from tokdrift_cli.core.types import canonical_type

__all__ = [
    "GOLD_FIELDS",
    "ROBUSTNESS_FIELDS",
    "FieldVerdict",
    "IRComparison",
    "IRField",
    "LabeledEvaluation",
    "LabeledPair",
    "Outcome",
    "TextJudge",
    "TextVerdict",
    "Tier",
    "canonical_predicate",
    "canonical_type",
    "compare_irs",
    "compare_texts",
    "evaluate_labeled_pairs",
    "evaluate_pairs",
    "identifier_words",
    "load_labeled_pairs",
    "same_identifier",
]
