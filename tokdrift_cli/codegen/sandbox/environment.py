"""What the sandbox process may know of the parent's environment (almost nothing), and masking what leaks back.

The child's environment is built from scratch: nothing of the parent's passes
except the names in :data:`PASSED_THROUGH`, and a name that looks like a secret
(:data:`SECRET_NAME`) never passes, allow-listed or not.

Text that comes back from the child and may end up in an artifact (an
exception message, a repr, what it printed) goes through :class:`Redactor`
first: any value of a secret-looking variable of the parent's environment is
replaced by a marker. Behind the operating-system boundary the child cannot
see those values at all; the mask is for runs without one, and for the value
that reached the child some other way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

#: Parent environment names passed to the child (and only if they do not look like a secret).
PASSED_THROUGH: Final = ("TZ",)
#: A name matching this never reaches the child: keys, tokens, passwords, cloud credentials.
SECRET_NAME: Final = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|CERT|^AWS_|^AZURE_|^GCP_|^GOOGLE_|^OPENAI|^ANTHROPIC",
    re.IGNORECASE,
)
#: Shorter values are not masked: they would mask ordinary words and numbers, and guess nothing.
MIN_SECRET_CHARS: Final = 6
MASK: Final = "[secret]"


def build_environment(home: Path, parent: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's whole environment: fixed values, plus allow-listed parent names that are not secrets."""
    parent = os.environ if parent is None else parent
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(home),
        "TMPDIR": str(home),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in PASSED_THROUGH:
        if name in parent and not SECRET_NAME.search(name):
            env[name] = parent[name]
    return env


class Redactor:
    """Masks the values of the parent's secret-looking environment variables in text from the child."""

    def __init__(self, parent: Mapping[str, str] | None = None):
        parent = os.environ if parent is None else parent
        values = {
            value for name, value in parent.items() if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_CHARS
        }
        # Longest first, so that a secret containing another is masked whole.
        self._secrets = sorted(values, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(value) for value in self._secrets)) if values else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        text = self._pattern.sub(MASK, text)
        # Text the child cut short ("...") may end in the first part of a secret.
        body, ellipsis = (text[:-3], "...") if text.endswith("...") else (text, "")
        for secret in self._secrets:
            for length in range(len(secret) - 1, MIN_SECRET_CHARS - 1, -1):
                if body.endswith(secret[:length]):
                    return body[:-length] + MASK + ellipsis
        return text
