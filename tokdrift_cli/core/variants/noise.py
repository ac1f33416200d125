"""Noise rules: whitespace and capitalisation slips a real user makes.

Whitespace is only added between words, never inside a literal or a
multi-word meaning phrase; only plain capitalised words at a sentence start
are lowercased, so identifiers, True/False and protected words keep their case.
"""

from __future__ import annotations

import random
import re

from tokdrift_cli.core.variants.model import Rule, RuleGroup, Transform
from tokdrift_cli.core.variants.sentences import split_sentences
from tokdrift_cli.core.variants.spans import ProtectedText, apply_edits, protect

_SINGLE_SPACE = re.compile(r"(?<=\S) (?=\S)")
_PLAIN_WORD = re.compile(r"[A-Z][a-z]+\b(?![-'’(._])")
_KEEP_CASE = frozenset({"I", "True", "False", "None", "Python"})


def _double_space(text: str, rng: random.Random) -> str | None:
    protected = protect(text)
    spaces = [m for m in _SINGLE_SPACE.finditer(text) if not protected.overlaps(m.start(), m.end())]
    if not spaces:
        return None
    chosen = rng.sample(spaces, k=min(len(spaces), rng.randint(1, 2)))
    return apply_edits(text, [(m.start(), m.end(), "  ") for m in chosen])


def _trailing_whitespace(text: str, rng: random.Random) -> str | None:
    if not text.strip() or text[-1].isspace():
        return None
    return text + rng.choice((" ", "  ", "\n"))


def _sentence_newlines(text: str, rng: random.Random) -> str | None:
    """Put each sentence on its own line, as pasted from an editor."""
    sentences = split_sentences(protect(text))
    edits = [
        (left.end, right.start, "\n")
        for left, right in zip(sentences, sentences[1:], strict=False)
        if text[left.end : right.start] == " "
    ]
    return apply_edits(text, edits) if edits else None


def _lowercase_edits(protected: ProtectedText, starts: list[int]) -> list[tuple[int, int, str]]:
    edits = []
    for start in starts:
        match = _PLAIN_WORD.match(protected.text, start)
        if match and match.group() not in _KEEP_CASE and not protected.overlaps(match.start(), match.end()):
            edits.append((start, start + 1, protected.text[start].lower()))
    return edits


def _lowercase_start(text: str, rng: random.Random) -> str | None:
    protected = protect(text)
    starts = [s.start for s in split_sentences(protected)[:1]]
    edits = _lowercase_edits(protected, starts)
    return apply_edits(text, edits) if edits else None


def _lowercase_sentences(text: str, rng: random.Random) -> str | None:
    """All sentence starts in lower case; only when that differs from the first alone."""
    protected = protect(text)
    starts = [s.start for s in split_sentences(protected)]
    edits = _lowercase_edits(protected, starts)
    later = [edit for edit in edits if edit[0] > starts[0]]
    return apply_edits(text, edits) if later else None


def _drop_final_period(text: str, rng: random.Random) -> str | None:
    body = text.rstrip()
    if not body.endswith(".") or body.endswith("..") or protect(text).overlaps(len(body) - 1, len(body)):
        return None
    return body[:-1] + text[len(body) :]


def _rule(name: str, description: str, transform: Transform) -> Rule:
    return Rule(f"natural.noise.{name}", RuleGroup.NATURAL, "noise", description, transform)


RULES: tuple[Rule, ...] = (
    _rule("double_space", "one or two spaces between words doubled", _double_space),
    _rule("trailing_whitespace", "a trailing space or newline", _trailing_whitespace),
    _rule("sentence_newlines", "each sentence on its own line", _sentence_newlines),
    _rule("lowercase_start", "the prompt starts in lower case: Write -> write", _lowercase_start),
    _rule("lowercase_sentences", "every sentence starts in lower case", _lowercase_sentences),
    _rule("drop_final_period", "no period at the end", _drop_final_period),
)
