"""Format-neutral text helpers shared by the markdown, HTML and issue renderers.

Every renderer formats numbers and orders rows through this module, so the
same figure reads the same in every report and the orderings never depend on
the order the artifact happens to list things in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from tokdrift_cli.artifacts.analysis import FragilePrompt
from tokdrift_cli.artifacts.baseline import GroupSensitivity
from tokdrift_cli.core.stats import RateEstimate

PRIORITIES: tuple[str, ...] = ("P0", "P1", "P2")

# Markers that make invisible whitespace visible in quoted prompt text; a
# noise rule that appends a space is otherwise indistinguishable from the
# original, and trailing spaces would also make the markdown diff badly.
# (The "control pictures" U+2420/U+2409 would be more precise, but common
# monospace fonts lack them and show empty boxes.)
TRAILING_SPACE = "\u00b7"  # ·
TRAILING_TAB = "\u2192"  # →
TRAILING_NEWLINE = "\u23ce"  # ⏎
WHITESPACE_LEGEND = (
    f"In quoted texts {TRAILING_SPACE} marks a trailing space, {TRAILING_TAB} a trailing tab and "
    f"{TRAILING_NEWLINE} a line break that would otherwise be invisible (at the end of a text, or "
    "inside a one-line table cell)."
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TRAILING_BLANKS = re.compile(r"[ \t]+$")


_LONG_FIGURE = re.compile(r"(?<![\w.])-?\d+\.\d{5,}(?:e[-+]?\d+)?(?![\w.])|(?<![\w.])-?\d+(?:\.\d+)?e[-+]?\d+(?![\w.])")


def round_figures(text: str, digits: int = 4) -> str:
    """``p 0.0068459480826911666`` -> ``p 0.006846``: long figures in prose cut to ``digits`` significant digits.

    For what people read (annotations, step summaries); the artifacts keep every digit.
    """
    return _LONG_FIGURE.sub(lambda match: f"{float(match.group()):.{digits}g}", text)


def printable(text: str) -> str:
    """Replace control characters (other than tab and line breaks) by a visible escape.

    They come from model output or user suites, and would otherwise corrupt
    the HTML or vanish from the markdown.
    """
    return "".join(
        ch if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cs") else f"\\x{ord(ch):02x}" for ch in text
    )


def _visible_tail(line: str) -> str:
    match = _TRAILING_BLANKS.search(line)
    if match is None:
        return line
    marks = match.group().replace(" ", TRAILING_SPACE).replace("\t", TRAILING_TAB)
    return line[: match.start()] + marks


def visible_lines(text: str) -> list[str]:
    """Split ``text`` into lines with trailing whitespace and a final line break made visible.

    The result has no line ending in a space, so quoted prompts never add
    trailing whitespace to a report.
    """
    lines = _LINE_BREAK.split(printable(text))
    trailing_breaks = 0
    while len(lines) > 1 and lines[-1] == "":
        lines.pop()
        trailing_breaks += 1
    shown = [_visible_tail(line) for line in lines]
    shown[-1] += TRAILING_NEWLINE * trailing_breaks
    return shown


def one_line(text: str) -> str:
    """Collapse ``text`` to one line (for table cells and titles), keeping every line break visible.

    A variant that only puts sentences on their own lines must not look
    identical to its original once squeezed into a cell.
    """
    return f"{TRAILING_NEWLINE} ".join(visible_lines(text))


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "\u2026"


def percent(value: float, digits: int = 1) -> str:
    """``0.9`` -> ``90%``, ``0.925`` -> ``92.5%``: no spurious ``.0`` on round thresholds."""
    text = f"{value * 100:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def rate(estimate: RateEstimate) -> str:
    """The one spelling of a rate in every report: value, interval and n."""
    return estimate.format()


def share(estimate: RateEstimate | None) -> str:
    """A share as a count: ``4.0% (10/250)``; 'n/a (n=0)' with nothing to count; 'not recorded' for None."""
    if estimate is None:
        return "not recorded"
    if estimate.rate is None:
        return "n/a (n=0)"
    return f"{estimate.rate * 100:.1f}% ({estimate.successes}/{estimate.n})"


def undecided_note(estimate: RateEstimate | None) -> str:
    """'' when nothing was undecided (or it was not recorded), else '; 3/25 undecided' to follow a rate."""
    if estimate is None or not estimate.successes:
        return ""
    return f"; {estimate.successes}/{estimate.n} undecided"


def compact_rate(estimate: RateEstimate) -> str:
    """A shorter spelling for chart labels, where space is tight."""
    if estimate.rate is None or estimate.low is None or estimate.high is None:
        return "n/a (n=0)"
    return f"{estimate.rate * 100:.1f}% [{estimate.low * 100:.1f}\u2013{estimate.high * 100:.1f}] n={estimate.n}"


def drop(value: float | None) -> str:
    """An accuracy drop in percentage points; 'n/a' when it cannot be computed (never 0)."""
    if value is None:
        return "n/a"
    return f"{value * 100:.1f} pp"


def yes_no(value: bool | None, unknown: str = "unknown") -> str:
    return unknown if value is None else "yes" if value else "no"


def priority_rank(priority: str) -> int:
    """P0 sorts first; an unknown label sorts after every known one."""
    return PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)


def ordered_priorities(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Priority counts in P0, P1, P2 order, then any other labels alphabetically."""
    extra = sorted(key for key in counts if key not in PRIORITIES)
    return [(key, counts.get(key, 0)) for key in (*PRIORITIES, *extra)]


def ordered_fragile(prompts: Iterable[FragilePrompt]) -> list[FragilePrompt]:
    """Most urgent first: priority, then lowest robustness, then id (a total order)."""
    return sorted(
        prompts,
        key=lambda item: (priority_rank(item.priority), _rate_or_top(item.robustness), item.case_id),
    )


def by_flip_rate(rows: Iterable[GroupSensitivity]) -> list[GroupSensitivity]:
    """Most sensitive first (flip rate descending, unmeasured last), then by key."""
    return sorted(rows, key=lambda row: (-(row.flip_rate.rate if row.flip_rate.rate is not None else -1.0), row.key))


def by_robustness(rows: Iterable[tuple[str, RateEstimate]]) -> list[tuple[str, RateEstimate]]:
    """Least robust first (unmeasured last), then by case id."""
    return sorted(rows, key=lambda row: (_rate_or_top(row[1]), row[0]))


def _rate_or_top(estimate: RateEstimate) -> float:
    return estimate.rate if estimate.rate is not None else 2.0
