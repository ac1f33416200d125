"""A small fake model that speaks DSPy's real engine interface.

It reads the request the adapter built and answers with a spec derived from
the prompt text, so everything between the stage and the engine (DSPy,
the adapter, parsing, scoring) runs for real. It is deliberately fragile in
one known way: a prompt that says "please" gets an extra assertion, so tests
can predict exactly which variants flip.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from typing import Any

from dspy.lm15 import Message, Response, TextPart, Usage

IDENTIFIER = re.compile(r"\b([a-z]+(?:_[a-z0-9]+)+|[a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)\b")


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class FakeEngine:
    supports_response_schema = True
    supported_params = frozenset({"response_format", "temperature", "max_tokens"})

    def __init__(self, *, fail_on: str | None = None, garbage_on: str | None = None, error: Exception | None = None):
        self.fail_on = fail_on
        self.garbage_on = garbage_on
        self.error = error
        self.calls = 0
        self.prompts: list[str] = []
        self.response_formats: list[Any] = []
        self._lock = threading.Lock()

    def answer(self, prompt: str) -> str:
        match = IDENTIFIER.search(prompt)
        name = snake(match.group(1)) if match else "unnamed"
        assertions = ["x >= 0"] if "please" in prompt.lower() else []
        return json.dumps(
            {"signature": f"{name}(x: int) -> int", "summary": "Does the thing.", "effects": [], "assertions": assertions}
        )

    def complete(self, request: Any) -> Response:
        prompt = request.messages[-1].text or ""
        with self._lock:
            self.calls += 1
            self.prompts.append(prompt)
            self.response_formats.append(request.config.response_format)
        if self.error is not None and (self.fail_on is None or self.fail_on in prompt):
            raise self.error
        text = "not json at all" if self.garbage_on and self.garbage_on in prompt else self.answer(prompt)
        return Response(
            id=None,
            model="fake",
            message=Message.assistant([TextPart(text)]),
            finish_reason="stop",
            usage=Usage(input_tokens=len(prompt.split()), output_tokens=len(text.split()), total_tokens=0),
        )

    def stream(self, request: Any) -> Any:
        from dspy.lm15 import response_to_events

        return response_to_events(self.complete(request))

    def close(self) -> None:
        pass


def fake_lm(engine: FakeEngine) -> Any:
    import dspy

    return dspy.LM("local/fake-model", engine=engine, cache=False, temperature=0.0, max_tokens=256)


class ConstantEngine(FakeEngine):
    """A generator that ignores its input: the same IR for every prompt (perfectly robust, blind)."""

    def answer(self, prompt: str) -> str:
        return json.dumps({"signature": "solve(x: int) -> int", "summary": "Solves it.", "effects": [], "assertions": []})


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)*")
_NEGATION = re.compile(r"\b(?:not|no|never|without|unless|cannot)\b|n['’]t\b", re.IGNORECASE)
_NUMBER_WORDS = re.compile(r"\b(?:zero|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b", re.IGNORECASE)


class CopyingEngine(FakeEngine):
    """A generator that copies the prompt's meaning-bearing words into its IR.

    It lists the contrast words, numbers and negations of the prompt (outside
    backticks) in one effect, with ``into="intent"`` in the intent summary
    only, or with ``into="assertions"`` as a digest the result must differ from
    (a field compared structurally); the rest of the IR is the base fake's,
    without its "please" fragility.
    """

    def __init__(self, *, into: str = "effects") -> None:
        super().__init__()
        self.into = into

    def answer(self, prompt: str) -> str:
        from tokdrift_cli.core.lexicon.contrast import contrast_lexicon, phrase_pattern

        plain = re.sub(r"`[^`]*`", " ", prompt)
        phrases = contrast_lexicon().swap_phrases()
        words = [phrase.lower() for phrase in phrases for _ in phrase_pattern(phrase).findall(plain)]
        words += _NUMBER.findall(plain) + [word.lower() for word in _NUMBER_WORDS.findall(plain)]
        words += ["not"] * len(_NEGATION.findall(plain))
        mentions = "mentions " + ", ".join(sorted(words))
        match = IDENTIFIER.search(prompt)
        name = snake(match.group(1)) if match else "unnamed"
        spec = {"signature": f"{name}(x: int) -> int", "summary": "Does the thing.", "effects": [], "assertions": []}
        if self.into == "intent":
            spec["summary"] = mentions
        elif self.into == "assertions":
            digest = hashlib.sha256(mentions.encode()).hexdigest()[:12]  # a short stand-in (assertions are capped)
            spec["assertions"] = [f"result != {digest!r}"]
        else:
            spec["effects"] = [mentions]
        return json.dumps(spec)


class WordingEngine(FakeEngine):
    """Answers every prompt text with its own wording of an effect, which no deterministic rule can judge.

    The one effect carries a made-up word derived from the prompt text, so an original and any
    rewrite of it get effects the text tier leaves *undecided* (unless ``please`` makes the
    assertions differ first, as in :class:`FakeEngine`, when ``keep_please`` is set). Effects
    count in robustness, so the comparison is undecided too. With ``reworded`` below 1 only that
    share of prompt texts (chosen by hash) is worded apart; the others keep a plain effect, so two
    of them compare the same.
    """

    def __init__(self, *, keep_please: bool = False, reworded: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.keep_please = keep_please
        self.reworded = reworded

    def answer(self, prompt: str) -> str:
        answer = json.loads(super().answer(prompt))
        digest = hashlib.sha256(prompt.encode()).hexdigest()
        word = "".join(chr(ord("a") + int(digit, 16)) for digit in digest[:8])
        reworded = int(digest[8:12], 16) / 0x10000 < self.reworded
        answer["effects"] = [f"Handles the {word if reworded else 'usual'} case."]
        if not self.keep_please:
            answer["assertions"] = []
        return json.dumps(answer)
