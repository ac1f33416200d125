"""Run generated Python in a separate, contained process and report what each call did.

Generated code is hostile by assumption: it may loop, fork, eat memory, write
files, read secrets, open sockets or lie about its results, by accident or on
purpose. :func:`run_function` loads one module source in a fresh interpreter,
calls one of its functions on each given input, and returns a typed
:class:`SandboxResult`. It never raises for anything the code does.

Layers, outermost first:

* **An operating-system boundary** (:mod:`.boundary`, found once per process
  by :func:`detect_boundary`): bubblewrap namespaces, an unprivileged uid, a
  read-only filesystem but for the run's temporary directory, no network, no
  view of other processes. Where there is none, model-written code does not
  run unless the caller allows it (``allow_unsandboxed=True`` or
  ``TOKDRIFT_ALLOW_UNSANDBOXED=1``); the result names the boundary used.
* **A separate process** (``python -s -S -P -B``: no site-packages, no user
  site, no script directory on ``sys.path``) in its own session; when the run
  ends or overruns, the parent kills the whole process group.
* **An environment built from scratch** (:func:`build_environment`); ``HOME``
  and ``TMPDIR`` point into a fresh temporary directory, which is also the
  working directory and is deleted afterwards. ``PYTHONHASHSEED=0`` makes set
  and dict orders repeat.
* **Resource limits** (:class:`SandboxLimits`): CPU seconds, address space,
  file size, open files, no core dumps, no new processes.
* **Time**: a timer per call inside the child, a kill from the parent for a
  call that overruns by :data:`GRACE_SECONDS`, and ``wall_seconds`` for the
  whole run. When a process dies mid-run the call it was in gets the blame and
  a fresh process runs the remaining calls.
* **An in-process guard** (``child/guard.py``), the second layer: an audit hook
  and stubs that refuse writes outside the temporary directory, reads outside
  it and the standard library, network, processes, threads and signals, and
  report each refusal.
* **A result channel the code cannot use against the parent**
  (:mod:`.protocol`): the parent validates every line, with size limits, and
  never raises on it; expected values never enter the child, so a forged line
  claims no more than the function could have returned. Text from the child
  is masked of the parent's secrets before it can reach an artifact.

Values cross the process boundary in a tagged JSON encoding
(``child/codec.py``): tuples, sets, bytes and non-finite floats are tagged,
sets sorted, so two implementations' results compare deterministically.
"""

from tokdrift_cli.codegen.sandbox.boundary import ALLOW_UNSANDBOXED_ENV, Boundary, SandboxUnavailableError
from tokdrift_cli.codegen.sandbox.detection import detect_boundary, require_boundary
from tokdrift_cli.codegen.sandbox.environment import PASSED_THROUGH, SECRET_NAME, Redactor, build_environment
from tokdrift_cli.codegen.sandbox.models import (
    CallOutcome,
    CallStatus,
    FunctionCall,
    ProcessReport,
    ProcessStatus,
    SandboxLimits,
    SandboxResult,
)
from tokdrift_cli.codegen.sandbox.process import GRACE_SECONDS
from tokdrift_cli.codegen.sandbox.run import run_function

__all__ = [
    "ALLOW_UNSANDBOXED_ENV",
    "GRACE_SECONDS",
    "PASSED_THROUGH",
    "SECRET_NAME",
    "Boundary",
    "CallOutcome",
    "CallStatus",
    "FunctionCall",
    "ProcessReport",
    "ProcessStatus",
    "Redactor",
    "SandboxLimits",
    "SandboxResult",
    "SandboxUnavailableError",
    "build_environment",
    "detect_boundary",
    "require_boundary",
    "run_function",
]
