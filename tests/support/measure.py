"""Run a command and measure its peak memory honestly.

``ru_maxrss`` of a child counts what it inherited at fork time, so a child forked from a
large test process looks large. The command is therefore started by a tiny Python
launcher process, and that launcher's child is the one measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

_LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
sys.stderr.write("\\n@@peak@@" + json.dumps([os.waitstatus_to_exitcode(status), usage.ru_maxrss,
                                             seconds]))
"""


@dataclass(frozen=True)
class Measured:
    """Exit code, output, peak resident memory (bytes) and wall time of one command.

    ``seconds`` is the command's own wall time, from its fork to its exit, without the
    launcher's start-up.
    """

    returncode: int
    stdout: str
    stderr: str
    peak_rss: int
    seconds: float


def run_measured(
    command: list[str], *, env: dict[str, str] | None = None, timeout: float = 600
) -> Measured:
    """Run ``command`` to completion and report its peak RSS."""
    result = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    stderr, _, tail = result.stderr.rpartition("\n@@peak@@")
    code, peak_kib, seconds = json.loads(tail)
    return Measured(code, result.stdout, stderr, peak_kib * 1024, seconds)
