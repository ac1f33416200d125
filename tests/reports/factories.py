"""Analysis artifacts built by hand, so renderer tests need no model, no baseline and no scipy.

The default analysis is deliberately hostile to renderers: a category with a
pipe, prompts with backticks, ``<script>``, quotes, newlines and trailing
whitespace, a failed variant whose error holds HTML, a variant made by two
rules of two families, and robust prompts next to fragile ones.
"""

from __future__ import annotations

import math
from collections import Counter
from statistics import NormalDist

from tokdrift_cli.artifacts.analysis import (
    AnalysisArtifact,
    AnalysisConfig,
    AnalysisSummary,
    BrokenVariant,
    CategoryAccuracy,
    FieldChange,
    FieldFlips,
    FragilePrompt,
    IgnoredControl,
    InsensitivePrompt,
    NoiseFloor,
)
from tokdrift_cli.artifacts.baseline import BaselineConfig, GroupSensitivity
from tokdrift_cli.artifacts.header import InputFile, Provenance
from tokdrift_cli.core.equivalence import IRField
from tokdrift_cli.core.stats import RateEstimate

HOSTILE_PROMPT = (
    'Write `split|join` that returns "a|b" for <script>alert(1)</script>;\n'
    "the second line has a ``` fence and a trailing space "
)


def estimate(successes: int, n: int, confidence: float = 0.95) -> RateEstimate:
    """A Wilson score interval in plain math (same formula scipy uses), to keep tests fast."""
    if not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return RateEstimate(successes=0, n=0, rate=None, low=None, high=None, confidence=confidence)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return RateEstimate(
        successes=successes,
        n=n,
        rate=p,
        low=max(0.0, centre - half),
        high=min(1.0, centre + half),
        confidence=confidence,
    )


def sensitivity(key: str, flips: int, n: int) -> GroupSensitivity:
    return GroupSensitivity(key=key, flips=flips, n=n, flip_rate=estimate(flips, n))


def changed(field: IRField, original: str, variant: str) -> FieldChange:
    return FieldChange(
        field=field, original=original, variant=variant, reason=f"{field.value} differ: a={variant!r} b={original!r}"
    )


def variant(text: str, rules: list[str], families: list[str], **fields: object) -> BrokenVariant:
    return BrokenVariant(text=text, rule_ids=rules, families=families, **fields)  # type: ignore[arg-type]


def fragile(
    case_id: str,
    category: str,
    prompt: str,
    successes: int,
    n: int,
    priority: str,
    variants: list[BrokenVariant],
    *,
    original_correct: bool = True,
    accuracy_breaks: bool = False,
) -> FragilePrompt:
    families = Counter(family for item in variants for family in item.families)
    dominant = min(families, key=lambda family: (-families[family], family)) if families else "none"
    return FragilePrompt(
        case_id=case_id,
        category=category,
        prompt=prompt,
        robustness=estimate(successes, n),
        priority=priority,  # type: ignore[arg-type]
        priority_reason=f"reason for {case_id}",
        original_correct=original_correct,
        accuracy_breaks=accuracy_breaks,
        broken_variants=variants,
        dominant_family=dominant,
        mitigation=f"Mitigate {dominant}: try `tokdrift optimize`.",
    )


def hostile_prompts() -> list[FragilePrompt]:
    return [
        fragile(
            "pipe-001",
            "strings|text",
            HOSTILE_PROMPT,
            0,
            4,
            "P0",
            [
                variant(
                    HOSTILE_PROMPT.replace("split|join", "splitJoin"),
                    ["token.casing.snake_to_camel"],
                    ["casing"],
                    changes=[
                        changed(IRField.NAME, "split_join", "splitJoin2"),
                        changed(IRField.PARAMETERS, "s: str", "s: str | None"),
                    ],
                    still_correct=False,
                ),
                variant(
                    "Please " + HOSTILE_PROMPT,
                    ["natural.framing.polite"],
                    ["framing"],
                    failed=True,
                    error="parse error: <b>not json</b> | ```",
                ),
                variant(
                    HOSTILE_PROMPT + "\n",
                    ["natural.noise.trailing_whitespace"],
                    ["noise"],
                    changes=[changed(IRField.ASSERTIONS, "x >= 0", "x > 0\nand x < 10")],
                    still_correct=True,
                ),
            ],
            accuracy_breaks=True,
        ),
        fragile(
            "mid_002",
            "numbers",
            "Create a function named add_numbers that adds a and b.",
            1,
            4,
            "P1",
            [
                variant(
                    "Create a function named addNumbers that adds a and b .",
                    ["token.casing.snake_to_camel", "token.spacing.punct_detach"],
                    ["casing", "spacing"],
                    changes=[changed(IRField.RETURNS, "int", "float")],
                    still_correct=False,
                ),
            ],
        ),
        fragile(
            "low-003",
            "numbers",
            "Define is_even(n) returning True for even n.",
            3,
            5,
            "P2",
            [
                variant(
                    "Define is_even(n) giving back True for even n.",
                    ["natural.synonym.verb"],
                    ["synonym"],
                    changes=[changed(IRField.EFFECTS, "(none)", "prints n")],
                    still_correct=True,
                ),
            ],
            original_correct=False,
        ),
    ]


PER_RULE = [
    sensitivity("natural.framing.polite", 1, 3),
    sensitivity("natural.noise.trailing_whitespace", 1, 2),
    sensitivity("natural.synonym.verb", 1, 4),
    sensitivity("token.casing.snake_to_camel", 2, 3),
    sensitivity("token.spacing.punct_detach", 1, 3),
]
PER_FAMILY = [
    sensitivity("casing", 2, 3),
    sensitivity("framing", 1, 3),
    sensitivity("noise", 1, 2),
    sensitivity("spacing", 1, 3),
    sensitivity("synonym", 1, 4),
]


def make_analysis(
    prompts: list[FragilePrompt] | None = None,
    *,
    robust: dict[str, tuple[int, int]] | None = None,
    noise: RateEstimate | None = None,
    threshold: float = 0.9,
) -> AnalysisArtifact:
    """An analysis whose summary agrees with its prompts (fragile plus ``robust`` id -> (successes, n))."""
    fragile_prompts = hostile_prompts() if prompts is None else prompts
    robust_rows = {"ok-004": (5, 5), "ok-005": (4, 4)} if robust is None else robust
    prompt_robustness = [(item.case_id, item.robustness) for item in fragile_prompts]
    prompt_robustness += [(case_id, estimate(s, n)) for case_id, (s, n) in sorted(robust_rows.items())]
    successes = sum(rate.successes for _, rate in prompt_robustness)
    total = sum(rate.n for _, rate in prompt_robustness)
    cases = len(prompt_robustness) + 1  # one unmeasured prompt
    priorities = Counter(item.priority for item in fragile_prompts)
    return AnalysisArtifact(
        inputs=[InputFile(role="baseline", path="/somewhere/baseline.json", sha256="ab" * 32)],
        provenance=Provenance(model_id="local/test-model", program_hash="prog123", suite_hash="suite456", seed=7),
        config=AnalysisConfig(fragile_threshold=threshold, confidence=0.95),
        summary=AnalysisSummary(
            cases=cases,
            measured_cases=len(prompt_robustness),
            fragile_count=len(fragile_prompts),
            priorities={level: priorities.get(level, 0) for level in ("P0", "P1", "P2")},
            robustness=estimate(successes, total),
            accuracy=estimate(min(4, cases), cases),
            robust_accuracy=estimate(min(2, cases), cases),
            accuracy_drop=(min(4, cases) - min(2, cases)) / cases,
        ),
        fragile_prompts=fragile_prompts,
        per_rule=PER_RULE,
        per_family=PER_FAMILY,
        per_group=[sensitivity("natural", 3, 9), sensitivity("token", 3, 6)],
        field_flips=[
            FieldFlips(field=field, flips=flips, share=estimate(flips, total - successes))
            for field, flips in [
                (IRField.NAME, min(1, total - successes)),
                (IRField.PARAMETERS, min(1, total - successes)),
                (IRField.RETURNS, min(1, total - successes)),
                (IRField.EFFECTS, min(1, total - successes)),
                (IRField.ASSERTIONS, min(1, total - successes)),
            ]
        ],
        per_category=[
            CategoryAccuracy(
                category="strings|text",
                cases=1,
                accuracy=estimate(1, 1),
                robust_accuracy=estimate(0, 1),
                accuracy_drop=1.0,
                robustness=estimate(0, 4),
            ),
            CategoryAccuracy(
                category="numbers",
                cases=4,
                accuracy=estimate(3, 4),
                robust_accuracy=estimate(2, 4),
                accuracy_drop=0.25,
                robustness=estimate(13, 18),
            ),
        ],
        noise_floor=NoiseFloor(
            repeats=1 if noise is None else 3,
            disagreement=noise,
            variant_flip_rate=estimate(total - successes, total),
            note="not measured: run `tokdrift baseline --repeats R` (R >= 2) to measure it"
            if noise is None
            else "variant flips exceed the noise floor: the drift is real",
        ),
        prompt_robustness=prompt_robustness,
        prompts=[(item.case_id, item.prompt) for item in fragile_prompts]
        + [(case_id, f"Write a function named {case_id.replace('-', '_')} that returns 1.") for case_id in robust_rows],
        baseline_config=BaselineConfig(
            suite="/anywhere/tokdrift_cli/data/suites/core.jsonl", model="local", program="default",
            variants_per_prompt=4, seed=7, temperature=0.0, max_tokens=512,
        ),
    )


def with_controls(analysis: AnalysisArtifact) -> AnalysisArtifact:
    """``analysis`` as if its baseline ran controls: sensitivity everywhere, and one hostile prompt that ignores them."""
    robustness = dict(analysis.prompt_robustness)
    per_prompt = {"pipe-001": (0, 3), "mid_002": (2, 3), "low-003": (3, 3), "ok-004": (1, 2), "ok-005": (0, 0)}
    prompt_sensitivity = [(case_id, estimate(*per_prompt[case_id])) for case_id in sorted(robustness)]
    blind = InsensitivePrompt(
        case_id="pipe-001",
        category="strings|text",
        prompt=HOSTILE_PROMPT,
        sensitivity=estimate(0, 3),
        robustness=robustness["pipe-001"],
        priority="P1",
        priority_reason="no control changed the IR",
        ignored_controls=[
            IgnoredControl(text=HOSTILE_PROMPT.replace("second", "first"), rule_id="control.contrast_word"),
            IgnoredControl(text="Write <b>it</b> | not `x`", rule_id="control.negation"),
        ],
    )
    summary = analysis.summary.model_copy(update={"sensitivity": estimate(6, 11), "insensitive_count": 1})
    prompts = [
        item.model_copy(update={"sensitivity": estimate(*per_prompt[item.case_id])})
        for item in analysis.fragile_prompts
    ]
    return analysis.model_copy(
        update={
            "summary": summary,
            "fragile_prompts": prompts,
            "insensitive_prompts": [blind],
            "per_control_rule": [sensitivity("control.contrast_word", 1, 4), sensitivity("control.negation", 5, 7)],
            "prompt_sensitivity": prompt_sensitivity,
        }
    )
