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
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("\\n@@peak@@" + json.dumps([os.waitstatus_to_exitcode(status), usage.ru_maxrss]))
"""


@dataclass(frozen=True)
class Measured:
    """Exit code, output and peak resident memory (bytes) of one command."""

    returncode: int
    stdout: str
    stderr: str
    peak_rss: int


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
    code, peak_kib = json.loads(tail)
    return Measured(code, result.stdout, stderr, peak_kib * 1024)
