"""Append-only checkpoints for long stages.

Each finished unit of work (one generation) is appended as one JSON line and
flushed to disk, so Ctrl-C or ``kill -9`` loses at most the unit in flight.
The first line records the config fingerprint: a checkpoint made under a
different config is refused, never mixed into a new run.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from tokdrift_cli.artifacts.atomic import writing
from tokdrift_cli.artifacts.outputs import NamedPath
from tokdrift_cli.errors import CheckpointMismatchError, InputError

UnitT = TypeVar("UnitT", bound=BaseModel)


def fingerprint(payload: Any) -> str:
    """A stable hash of a JSON-able config."""
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()[:24]


class _Default:
    """A setting left at its default (fingerprints leave defaults out), as a difference shows it."""

    def __repr__(self) -> str:
        return "default"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Default)

    def __hash__(self) -> int:
        return 0


DEFAULT = _Default()


def setting_differences(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> list[tuple[str, object, object]]:
    """(setting, recorded value, current value) for each setting of two fingerprinted payloads that differs;
    a nested ``config`` table is compared field by field, under the field's own name."""

    def flat(payload: Mapping[str, Any]) -> dict[str, Any]:
        found = {key: value for key, value in payload.items() if key != "config"}
        found.update(payload.get("config") or {})
        return found

    before, now = flat(recorded), flat(current)
    return [
        (name, before.get(name, DEFAULT), now.get(name, DEFAULT))
        for name in sorted(before.keys() | now.keys())
        if before.get(name, DEFAULT) != now.get(name, DEFAULT)
    ]


def checkpoint_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".checkpoint.jsonl")


def run_outputs(output: Path) -> list[NamedPath]:
    """The files a checkpointed run writes: none may be one of its inputs."""
    return [("--output", output), ("the checkpoint", checkpoint_path_for(output))]


class Checkpoint(Generic[UnitT]):
    """Finished units by key, persisted beside the stage's output."""

    def __init__(
        self, path: Path, *, kind: str, config_fingerprint: str, unit_model: type[UnitT],
        settings: Mapping[str, Any] | None = None,
    ):
        self.path = path
        self.kind = kind
        self.config_fingerprint = config_fingerprint
        self.settings = settings  # what the fingerprint was made of, kept in the header to say what differs
        self.unit_model = unit_model
        # Set by a run that stopped before its last unit: its finished units stay for the next run.
        self.keep = False
        self.units: dict[str, UnitT] = {}
        self._lock = threading.Lock()
        self._handle: Any = None

    def open(self, *, restart: bool = False) -> None:
        """Load what an earlier run finished (or start afresh) and get ready to append."""
        with writing(self.path):
            self._open(restart)

    def _open(self, restart: bool) -> None:
        if restart or self._foreign_and_empty():
            self.path.unlink(missing_ok=True)
        torn = False
        if self.path.exists():
            torn = self._load()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            header: dict[str, Any] = {"checkpoint_of": self.kind, "fingerprint": self.config_fingerprint}
            if self.settings is not None:
                header["settings"] = self.settings
            with self.path.open("wb") as handle:
                handle.write(orjson.dumps(header) + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        self._handle = self.path.open("ab")
        if torn:
            # End the half line a kill left behind, or the next unit would be glued onto it and lost.
            self._handle.write(b"\n")
            self._handle.flush()

    def _load(self) -> bool:
        """Read the units an earlier run finished; True if its last line was cut short."""
        raw = self.path.read_bytes()
        lines = raw.splitlines()
        header = _parse_line(lines[0]) if lines else None
        if not isinstance(header, dict) or header.get("checkpoint_of") != self.kind:
            raise InputError(f"{self.path} is not a {self.kind} checkpoint; move it away or pass --restart")
        if header.get("fingerprint") != self.config_fingerprint:
            recorded = header.get("settings")
            differences = (
                setting_differences(recorded, self.settings)
                if isinstance(recorded, dict) and self.settings is not None
                else []
            )
            raise CheckpointMismatchError(
                f"{self.path} was made",
                "re-run with the same options to resume, or pass --restart to discard it",
                differences,
            )
        for line in lines[1:]:
            record = _parse_line(line)
            if not isinstance(record, dict) or "key" not in record or "unit" not in record:
                continue  # a line cut short by a kill: that unit is simply redone
            try:
                self.units[record["key"]] = self.unit_model.model_validate(record["unit"])
            except ValidationError:
                continue
        return not raw.endswith(b"\n")

    def _foreign_and_empty(self) -> bool:
        """A checkpoint of another config (of this kind) holding no finished unit protects nothing: it is
        replaced, e.g. after a run that stopped on a broken program before finishing anything is fixed."""
        if not self.path.exists():
            return False
        lines = self.path.read_bytes().splitlines()
        header = _parse_line(lines[0]) if lines else None
        return (
            isinstance(header, dict)
            and header.get("checkpoint_of") == self.kind
            and header.get("fingerprint") != self.config_fingerprint
            and not any(line.strip() for line in lines[1:])
        )

    def peek(self) -> dict[str, UnitT]:
        """The units an earlier run finished, read without touching the file (for --dry-run)."""
        try:
            if self.path.exists() and not self._foreign_and_empty():
                self._load()
        except OSError as error:
            raise InputError(f"cannot read the checkpoint {self.path}: {error.strerror or error}") from None
        return dict(self.units)

    def get(self, key: str) -> UnitT | None:
        return self.units.get(key)

    def record(self, key: str, unit: UnitT) -> None:
        line = orjson.dumps({"key": key, "unit": unit.model_dump(mode="json")}) + b"\n"
        with self._lock:
            self.units[key] = unit
            if self._handle is not None:
                with writing(self.path):  # a full disk mid-run: one line, and the units before stay
                    self._handle.write(line)
                    self._handle.flush()
                    os.fsync(self._handle.fileno())

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def discard(self) -> None:
        """Remove the file once the final artifact is safely written."""
        self.close()
        self.path.unlink(missing_ok=True)


def _parse_line(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


@contextmanager
def checkpoint_beside(
    output: Path, *, kind: str, fingerprint: str, unit_model: type[UnitT], restart: bool = False,
    settings: Mapping[str, Any] | None = None,
) -> Iterator[Checkpoint[UnitT]]:
    """The checkpoint of a run writing ``output``: opened (resumed, or afresh with ``restart``), closed
    however the run ends, and removed only when the block finishes, i.e. after the output is written.

    Call it with the output claimed (:func:`~tokdrift_cli.artifacts.outputs.claim_outputs`), so that
    no other run can read, or with ``restart`` delete, the checkpoint meanwhile.
    """
    checkpoint = Checkpoint(
        checkpoint_path_for(output), kind=kind, config_fingerprint=fingerprint, unit_model=unit_model,
        settings=settings,
    )
    checkpoint.open(restart=restart)
    try:
        yield checkpoint
    except BaseException:
        checkpoint.close()  # interrupted or failed: finished units stay for the next run
        raise
    if checkpoint.keep:
        checkpoint.close()  # stopped early on purpose: a later run goes on from here
    else:
        checkpoint.discard()
