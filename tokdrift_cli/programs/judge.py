"""The judge tier: a small DSPy program for free text the deterministic tier leaves undecided.

``DspyTextJudge`` is a :class:`tokdrift_cli.core.equivalence.TextJudge`: pass it
as ``compare_irs(a, b, judge=...)`` and it is asked only about intents,
effects and parameter descriptions that no deterministic rule settles. Every
verdict is cached on disk, keyed by (judge model, program hash, field, the two
texts), so a re-run costs no call; what it spent is in :meth:`usage`, for an
artifact to record beside the generator's calls (:meth:`summary`). A failed
call is an undecided verdict (and is not cached), never an exception.

The cache file is an output: whoever writes it claims it first
(:func:`tokdrift_cli.artifacts.outputs.claim_outputs`), so one process at a
time appends to it and its lock is gone once the run ends.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import dspy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tokdrift_cli.artifacts.atomic import make_parents, writing
from tokdrift_cli.artifacts.baseline import JudgeSummary
from tokdrift_cli.core.equivalence import IRField, Outcome, TextVerdict
from tokdrift_cli.core.records import CallRecord
from tokdrift_cli.programs.loading import program_hash
from tokdrift_cli.programs.runner import DspyCaller

_PARTS = {
    IRField.INTENT: "intent summary",
    IRField.EFFECTS: "effect",
    IRField.PARAMETERS: "parameter description",
}
_OUTCOMES = {"same": Outcome.SAME, "different": Outcome.DIFFERENT, "unsure": Outcome.UNDECIDED}


class JudgeAnswer(BaseModel):
    """What the judge writes: a verdict first, then one short reason."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["same", "different", "unsure"]
    reason: str = Field(max_length=160)


class JudgeSameBehaviour(dspy.Signature):
    """Two texts describe the same part of a Python function's specification. Decide whether they
    ask for the same behaviour. Answer "same" if every correct implementation of one is a correct
    implementation of the other, even when the wording differs. Answer "different" if some input
    would be handled differently: another direction, extreme, position, operation, unit, bound,
    letter case, number, condition, negation, or error raised. Answer "unsure" if the texts do not
    say enough to tell."""

    part: str = dspy.InputField(desc="which part of the specification the texts describe")
    first: str = dspy.InputField(desc="one description")
    second: str = dspy.InputField(desc="the other description")
    answer: JudgeAnswer = dspy.OutputField(desc="the verdict and a short reason")


class MeaningJudge(dspy.Module):
    """Compares two descriptions of one part of a function specification."""

    def __init__(self) -> None:
        super().__init__()
        self.judge = dspy.Predict(JudgeSameBehaviour)

    def forward(self, part: str, first: str, second: str) -> dspy.Prediction:
        return self.judge(part=part, first=first, second=second)


def _demo(part: str, first: str, second: str, verdict: str, reason: str) -> dspy.Example:
    answer = JudgeAnswer(verdict=verdict, reason=reason)  # type: ignore[arg-type]
    return dspy.Example(part=part, first=first, second=second, answer=answer).with_inputs("part", "first", "second")


# Worked examples; none is a labelled pair, so none leaks into the evaluation.
DEFAULT_DEMOS: tuple[dspy.Example, ...] = (
    _demo(
        "effect",
        "raises KeyError if the user id is unknown",
        "throws a KeyError when no user has that id",
        "same",
        "both raise KeyError for an unknown id",
    ),
    _demo(
        "intent summary",
        "Return the cheapest product in the catalogue.",
        "Return the most expensive product in the catalogue.",
        "different",
        "cheapest and most expensive are opposite extremes",
    ),
    _demo(
        "intent summary",
        "Tidy up the address string.",
        "Normalise an address.",
        "unsure",
        "neither says what tidying or normalising does",
    ),
)


def build_default_judge() -> MeaningJudge:
    """The shipped judge: the signature above with three worked examples."""
    judge = MeaningJudge()
    judge.judge.demos = list(DEFAULT_DEMOS)
    return judge


# --------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class CachedVerdict:
    outcome: Outcome
    reason: str


class JudgeCache:
    """Verdicts on disk, one JSON line each, appended as they come; shared safely by threads.

    A torn last line (a run killed mid-write) is skipped on read; its verdict is simply asked again.
    An I/O failure is the one-line error of an output that cannot be written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._verdicts: dict[str, CachedVerdict] = {}
        self._torn = False  # the file ends inside a line: the next verdict starts a line of its own
        with writing(path):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                self._torn = bool(text) and not text.endswith("\n")
                for line in text.splitlines():
                    self._remember(line)

    def _remember(self, line: str) -> None:
        try:
            row = json.loads(line)
            self._verdicts[row["key"]] = CachedVerdict(Outcome(row["outcome"]), str(row["reason"]))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            return

    @staticmethod
    def key(model_id: str, program: str, field: IRField, first: str, second: str) -> str:
        """The texts are sorted: the question is symmetric, so (a, b) and (b, a) share a verdict."""
        payload = json.dumps([model_id, program, field.value, *sorted((first, second))], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def get(self, key: str) -> CachedVerdict | None:
        with self._lock:
            return self._verdicts.get(key)

    def put(self, key: str, verdict: CachedVerdict) -> None:
        line = json.dumps({"key": key, "outcome": verdict.outcome.value, "reason": verdict.reason}, ensure_ascii=False)
        with self._lock:
            make_parents(self.path)
            with writing(self.path), self.path.open("a", encoding="utf-8") as handle:
                handle.write(("\n" if self._torn else "") + line + "\n")
            self._torn = False
            self._verdicts[key] = verdict


# --------------------------------------------------------------------------- the judge


@dataclass(frozen=True)
class JudgeUsage:
    """What judging cost: questions asked, answered from the cache, failed, and the model's calls and tokens."""

    questions: int = 0
    cache_hits: int = 0
    failures: int = 0
    lm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def add(self, record: CallRecord | None, *, hit: bool = False) -> JudgeUsage:
        if record is None:
            return JudgeUsage(self.questions + 1, self.cache_hits + hit, self.failures, *self._costs())
        return JudgeUsage(
            self.questions + 1,
            self.cache_hits,
            self.failures + (record.error is not None),
            self.lm_calls + record.lm_calls,
            self.input_tokens + record.input_tokens,
            self.output_tokens + record.output_tokens,
        )

    def _costs(self) -> tuple[int, int, int]:
        return self.lm_calls, self.input_tokens, self.output_tokens


class DspyTextJudge:
    """Runs the judge program on ``lm`` for each undecided pair of texts, through the cache."""

    def __init__(self, lm: Any, *, model_id: str, cache: JudgeCache | None = None, program: Any = None) -> None:
        self.model_id = model_id
        self.program = program if program is not None else build_default_judge()
        self.program_hash = program_hash(self.program)
        self.cache = cache
        self._caller = DspyCaller(lm)
        self._lock = threading.Lock()
        self._usage = JudgeUsage()

    def usage(self) -> JudgeUsage:
        with self._lock:
            return self._usage

    def summary(self) -> JudgeSummary:
        """What judging cost so far, as an artifact records it."""
        usage = self.usage()
        return JudgeSummary(
            model_id=self.model_id,
            program_hash=self.program_hash,
            questions=usage.questions,
            cache_hits=usage.cache_hits,
            failures=usage.failures,
            lm_calls=usage.lm_calls,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )

    def _count(self, record: CallRecord | None, *, hit: bool = False) -> None:
        with self._lock:
            self._usage = self._usage.add(record, hit=hit)

    def __call__(self, field: IRField, first: str, second: str) -> TextVerdict:
        key = JudgeCache.key(self.model_id, self.program_hash, field, first, second)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            self._count(None, hit=True)
            return TextVerdict(cached.outcome, f"{cached.reason} (cached)")
        one, other = sorted((first, second))
        outcome = self._caller.call(
            lambda: self.program(part=_PARTS.get(field, field.value), first=one, second=other),
            _answer,
        )
        self._count(outcome.record)
        if outcome.value is None:
            return TextVerdict(Outcome.UNDECIDED, f"judge failed ({outcome.record.error_kind})")
        verdict = CachedVerdict(_OUTCOMES[outcome.value.verdict], outcome.value.reason.strip() or "no reason given")
        if self.cache is not None:
            self.cache.put(key, verdict)
        return TextVerdict(verdict.outcome, verdict.reason)


def _answer(prediction: Any) -> JudgeAnswer:
    answer = getattr(prediction, "answer", None)
    if isinstance(answer, JudgeAnswer):
        return answer
    try:
        return JudgeAnswer.model_validate(answer)
    except ValidationError:
        raise ValueError(f"the judge's answer is not a verdict: {answer!r}") from None
