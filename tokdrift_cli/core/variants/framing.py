"""Framing rules: the same request as a plea, a question or a labelled task.

Only the wrapper around the first sentence changes. Framing applies when the
prompt opens with a plain imperative verb, so "Please" never lands in front
of a name, a literal or a protected word.
"""

from __future__ import annotations

import random
import re

from tokdrift_cli.core.variants.model import Rule, RuleGroup, Transform
from tokdrift_cli.core.variants.sentences import split_sentences
from tokdrift_cli.core.variants.spans import protect

_IMPERATIVES = frozenset(
    {
        "write", "create", "implement", "define", "build", "make", "design",
        "develop", "code", "compute", "calculate", "count", "find", "check",
        "determine", "generate", "convert", "return", "parse", "validate",
        "merge", "remove", "split", "filter", "produce", "construct", "add",
        "program",
    }
)
_OPENING = re.compile(r"(?P<lead>\s*)(?P<verb>[A-Z][a-z]+)\b(?![-'’(.])")
_PLEASE = re.compile(r"(?P<lead>\s*)(?i:please),?\s+(?P<verb>[a-z]+)\b(?![-'’(.])")
_LABEL = re.compile(r"\s*[A-Za-z ]{1,20}:\s")


def _imperative_opening(text: str) -> re.Match[str] | None:
    """The opening verb, if the prompt starts with a free imperative one."""
    match = _OPENING.match(text)
    if match is None or match["verb"].lower() not in _IMPERATIVES:
        return None
    if protect(text).overlaps(match.start("verb"), match.end("verb")):
        return None
    return match


def _lowered_request(text: str, match: re.Match[str]) -> str:
    return match["verb"].lower() + text[match.end("verb") :]


def _polite(text: str, rng: random.Random) -> str | None:
    match = _imperative_opening(text)
    return f"{match['lead']}Please {_lowered_request(text, match)}" if match else None


def _indirect(text: str, rng: random.Random) -> str | None:
    match = _imperative_opening(text)
    if match is None:
        return None
    frame = rng.choice(("I need you to", "Your task is to", "I would like you to"))
    return f"{match['lead']}{frame} {_lowered_request(text, match)}"


def _question(text: str, rng: random.Random) -> str | None:
    """Ask for the first sentence instead of ordering it; later sentences stay as they are."""
    match = _imperative_opening(text)
    if match is None:
        return None
    protected = protect(text)
    first = split_sentences(protected)[0]
    last = text[first.end - 1]
    if not (last == "." or last.isalnum() or last in ")]`'\"") or text[first.start : first.end].endswith(".."):
        return None  # already a question, or ends in ':' before a list
    body_end = first.end - 1 if last == "." else first.end
    if last == "." and protected.overlaps(body_end, first.end):
        return None
    lead = rng.choice(("Can you", "Could you"))
    request = _lowered_request(text[:body_end], match)
    return f"{match['lead']}{lead} {request}?{text[first.end :]}"


def _label(text: str, rng: random.Random) -> str | None:
    if not text.strip() or _LABEL.match(text):
        return None
    lead = text[: len(text) - len(text.lstrip())]
    return f"{lead}{rng.choice(('Task:', 'Request:', 'Instruction:'))} {text.lstrip()}"


def _drop_please(text: str, rng: random.Random) -> str | None:
    match = _PLEASE.match(text)
    if match is None or protect(text).overlaps(match.start("verb"), match.end("verb")):
        return None
    verb = match["verb"]
    return f"{match['lead']}{verb[0].upper()}{verb[1:]}{text[match.end('verb') :]}"


def _rule(name: str, description: str, transform: Transform) -> Rule:
    return Rule(f"natural.framing.{name}", RuleGroup.NATURAL, "framing", description, transform)


RULES: tuple[Rule, ...] = (
    _rule("polite", "Write ... -> Please write ...", _polite),
    _rule("question", "Write ... . -> Can you write ...?", _question),
    _rule("indirect", "Write ... -> I need you to write ...", _indirect),
    _rule("task_label", "Write ... -> Task: Write ...", _label),
    _rule("drop_please", "Please write ... -> Write ...", _drop_please),
)
