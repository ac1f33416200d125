"""Fragile areas: the rewrite families that break fragile prompts, each with its evidence.

An issue tracker wants one issue per thing to fix, and the thing to fix is a
kind of rewrite the generator cannot take (casing, framing, ...), not each
prompt separately. A prompt broken by two families appears in both areas.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokdrift_cli.artifacts.analysis import AnalysisArtifact, BrokenVariant, FragilePrompt
from tokdrift_cli.artifacts.baseline import GroupSensitivity
from tokdrift_cli.core.equivalence import IRField
from tokdrift_cli.reports.text import ordered_fragile, priority_rank


@dataclass(frozen=True)
class AreaEvidence:
    """One fragile prompt and the variants of the area's family that broke it."""

    prompt: FragilePrompt
    variants: tuple[BrokenVariant, ...]

    @property
    def example(self) -> BrokenVariant:
        """A variant whose output changed if there is one (more telling than a failure), else the first."""
        return next((variant for variant in self.variants if not variant.failed), self.variants[0])

    @property
    def changed_fields(self) -> tuple[IRField, ...]:
        """Every IR field any of these variants changed, in the IR's own field order."""
        changed = {change.field for variant in self.variants for change in variant.changes}
        return tuple(field for field in IRField if field in changed)

    @property
    def failures(self) -> int:
        return sum(1 for variant in self.variants if variant.failed)


@dataclass(frozen=True)
class FragileArea:
    family: str
    priority: str
    evidence: tuple[AreaEvidence, ...]
    sensitivity: GroupSensitivity | None

    @property
    def all_failed(self) -> bool:
        """True when every broken variant of this family failed outright rather than changing the IR."""
        return all(variant.failed for item in self.evidence for variant in item.variants)


def fragile_areas(analysis: AnalysisArtifact) -> list[FragileArea]:
    """One area per family that breaks at least one fragile prompt, most urgent first.

    Order: highest priority among its prompts, then more prompts first, then family name.
    """
    by_family: dict[str, list[AreaEvidence]] = {}
    for prompt in ordered_fragile(analysis.fragile_prompts):
        for family in sorted({family for variant in prompt.broken_variants for family in variant.families}):
            variants = tuple(variant for variant in prompt.broken_variants if family in variant.families)
            by_family.setdefault(family, []).append(AreaEvidence(prompt=prompt, variants=variants))
    sensitivity = {row.key: row for row in analysis.per_family}
    areas = [
        FragileArea(
            family=family,
            priority=min((item.prompt.priority for item in evidence), key=priority_rank),
            evidence=tuple(evidence),
            sensitivity=sensitivity.get(family),
        )
        for family, evidence in by_family.items()
    ]
    return sorted(areas, key=lambda area: (priority_rank(area.priority), -len(area.evidence), area.family))
