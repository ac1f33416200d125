"""Stop a stage early when its model cannot be reached at all.

One failed generation is recorded and the run goes on; but when the first
few calls all fail with a provider error and none has ever succeeded, the
model is unreachable (wrong key, server down) and going on would only record
the same error for every case.
"""

from __future__ import annotations

import threading

from tokdrift_cli.errors import ModelError

UNREACHABLE_AFTER = 5
# Failures that say nothing about the prompt: a resumed run should try these again.
TRANSIENT_ERRORS = frozenset({"provider", "timeout"})


def worth_keeping(error_kind: str | None) -> bool:
    """Whether a generation belongs in a checkpoint (successes and the model's own failures do)."""
    return error_kind not in TRANSIENT_ERRORS


class UnreachableWatch:
    def __init__(self, what: str = "model") -> None:
        self.what = what
        self.failures = 0
        self.any_success = False
        self._lock = threading.Lock()

    def see(self, ok: bool, error_kind: str | None, error: str | None) -> None:
        with self._lock:
            if ok:
                self.any_success = True
            elif error_kind == "provider" and not self.any_success:
                self.failures += 1
                if self.failures >= UNREACHABLE_AFTER:
                    raise ModelError(f"the {self.what} is unreachable ({error}); nothing was lost, fix and re-run")
