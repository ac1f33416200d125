"""Spacing rules (TokDrift): move whitespace between tokens, keep every token.

Only spaces change, and never next to a hyphen or slash between words
("non-empty", "and/or") or inside a literal; digits are never pushed
together, so no two numbers can fuse into one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from tokdrift_cli.core.variants.identifiers import IDENTIFIER_PATTERNS
from tokdrift_cli.core.variants.model import Rule, RuleGroup
from tokdrift_cli.core.variants.spans import NUMBER_PATTERN, Edit, ProtectedText, apply_edits, protect

_OPERATOR = r"==|!=|<=|>=|//|\*\*|[-+*/%<>=]"
_BEFORE = r"(?<=[\w)\]])"
_AFTER = r"(?=[\w(\[]|-\d)"
_TIGHT_OPERATOR = re.compile(rf"{_BEFORE}(?P<op>{_OPERATOR}){_AFTER}")
_SPACED_OPERATOR = re.compile(rf"{_BEFORE} +(?P<op>{_OPERATOR}) +{_AFTER}")
_LEFT_OPERAND = re.compile(r"(?:\w+|[)\]])$")
_RIGHT_OPERAND = re.compile(r"-?\w+|[(\[]")
# Hyphen and slash are also word punctuation; only treat them as operators
# between short operands: "n-1", "a/b", "len(s)-1", never "x-ray".
_WORDLIKE_OPERATORS = frozenset({"-", "/"})

_COMMA_THEN_SPACE = re.compile(r"(?<=\S), (?=\S)")
_COMMA_THEN_TEXT = re.compile(r",(?=[^\s,])")
_COMMA_SPACES = re.compile(r",[ \t]+(?=\S)")
_PUNCTUATION = re.compile(r"(?<=[\w)\]\"'`”’])[.,;:!?](?=\s|$)")
_SPACE_PUNCTUATION = re.compile(r"(?<=[\w)\]\"'`”’])[ \t]+(?P<p>[.,;:!?])(?=(?P<after>\S)?)")
_OPEN_THEN_TEXT = re.compile(r"[(\[](?=[^\s)\]])")
_TEXT_THEN_CLOSE = re.compile(r"(?<=[^\s(\[])[)\]]")
_OPEN_SPACES = re.compile(r"(?<=[(\[])[ \t]+")
_SPACES_CLOSE = re.compile(r"[ \t]+(?=[)\]])")
_CALL = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?=\()")
_NAME = "|".join(f"(?:{p.pattern})" for p in IDENTIFIER_PATTERNS.values())
_SPACED_CALL = re.compile(rf"(?:{_NAME})(?P<space>[ \t]+)\(")


def _short(token: str) -> bool:
    return len(token) == 1 or _is_number(token)


def _is_number(token: str) -> bool:
    return bool(NUMBER_PATTERN.fullmatch(token))


def _is_operator(text: str, start: int, end: int, op: str) -> bool:
    """Whether `op` is arithmetic here; "2024-01-05", "3-5" and "1/2" read as one unit."""
    if op not in _WORDLIKE_OPERATORS:
        return True
    left = _LEFT_OPERAND.search(text, 0, start)
    right = _RIGHT_OPERAND.match(text, end)
    if not (left and right and _short(left.group()) and _short(right.group())):
        return False
    return not (_is_number(left.group()) and _is_number(right.group()))


def _space_operators(p: ProtectedText) -> list[Edit]:
    return [
        (m.start(), m.end(), f" {m['op']} ")
        for m in p.free_matches(_TIGHT_OPERATOR)
        if _is_operator(p.text, m.start(), m.end(), m["op"])
    ]


def _compact_operators(p: ProtectedText) -> list[Edit]:
    return [
        (m.start(), m.end(), m["op"])
        for m in p.free_matches(_SPACED_OPERATOR)
        if _is_operator(p.text, m.start("op"), m.end("op"), m["op"])
    ]


def _shift_commas(p: ProtectedText) -> list[Edit]:
    return [(m.start(), m.end(), " ,") for m in p.free_matches(_COMMA_THEN_SPACE)]


def _space_after_commas(p: ProtectedText) -> list[Edit]:
    return [(m.end(), m.end(), " ") for m in p.free_matches(_COMMA_THEN_TEXT)]


def _bracket_depths(p: ProtectedText) -> list[int]:
    """Nesting depth of () and [] at each offset, counting free brackets only."""
    depths, depth = [], 0
    for index, char in enumerate(p.text):
        if char in "([" and not p.overlaps(index, index + 1):
            depth += 1
        elif char in ")]" and not p.overlaps(index, index + 1):
            depth = max(0, depth - 1)
        depths.append(depth)
    return depths


def _tighten_commas(p: ProtectedText) -> list[Edit]:
    depths = _bracket_depths(p)
    return [
        (m.start(), m.end(), ",")
        for m in p.free_matches(_COMMA_SPACES)
        if depths[m.start()] > 0
        and not (m.start() > 0 and p.text[m.start() - 1].isdigit() and p.text[m.end()] in "-+0123456789")
    ]


def _detach_punctuation(p: ProtectedText) -> list[Edit]:
    return [
        (m.start(), m.start(), " ")
        for m in p.free_matches(_PUNCTUATION)
        if not (m.start() >= 2 and p.text[m.start() - 2] == ".")  # "e.g." stays
    ]


def _attach_punctuation(p: ProtectedText) -> list[Edit]:
    edits: list[Edit] = []
    for m in p.free_matches(_SPACE_PUNCTUATION):
        if not m["after"]:
            edits.append((m.start(), m.end(), m["p"]))
        elif m["p"] != ".":  # "x .y" must not become the attribute "x.y"
            edits.append((m.start(), m.end(), m["p"] + " "))
    return edits


def _pad_brackets(p: ProtectedText) -> list[Edit]:
    opens = [(m.end(), m.end(), " ") for m in p.free_matches(_OPEN_THEN_TEXT)]
    closes = [(m.start(), m.start(), " ") for m in p.free_matches(_TEXT_THEN_CLOSE)]
    return opens + closes


def _tighten_brackets(p: ProtectedText) -> list[Edit]:
    found = p.free_matches(_OPEN_SPACES) + p.free_matches(_SPACES_CLOSE)
    return list({(m.start(), m.end(), "") for m in found})


def _space_calls(p: ProtectedText) -> list[Edit]:
    return [
        (m.end(), m.end(), " ")
        for m in p.free_matches(_CALL)
        if not p.splits(m.end()) and not p.overlaps(m.end(), m.end() + 1)
    ]


def _tighten_calls(p: ProtectedText) -> list[Edit]:
    return [(m.start("space"), m.end("space"), "") for m in p.free_matches(_SPACED_CALL)]


def _rule(name: str, description: str, edits: Callable[[ProtectedText], list[Edit]]) -> Rule:
    def transform(text: str, rng: random.Random) -> str | None:
        found = edits(protect(text))
        return apply_edits(text, found) if found else None

    return Rule(f"token.spacing.{name}", RuleGroup.TOKEN, "spacing", description, transform)


RULES: tuple[Rule, ...] = (
    _rule("operators_spaced", "spaces around binary operators: x>0 -> x > 0", _space_operators),
    _rule("operators_compact", "no spaces around binary operators: x > 0 -> x>0", _compact_operators),
    _rule("comma_shift", "move the space before the comma: a, b -> a ,b", _shift_commas),
    _rule("comma_space", "a space after each comma: f(a,b) -> f(a, b)", _space_after_commas),
    _rule("comma_tight", "no space after commas inside brackets: (a, b) -> (a,b)", _tighten_commas),
    _rule("punct_detach", "a space before punctuation: in it. -> in it .", _detach_punctuation),
    _rule("punct_attach", "no space before punctuation: a ,b -> a, b", _attach_punctuation),
    _rule("bracket_pad", "spaces inside brackets: f(x) -> f( x )", _pad_brackets),
    _rule("bracket_tight", "no spaces inside brackets: f( x ) -> f(x)", _tighten_brackets),
    _rule("call_space", "a space before a call's parenthesis: f(x) -> f (x)", _space_calls),
    _rule("call_tight", "no space before a call's parenthesis: f (x) -> f(x)", _tighten_calls),
)
