"""Exit codes (SPEC §3), mapped here and nowhere else.

0 success; 1 findings at or above ``--fail-on``; 2 usage or configuration error (also:
the registry could not be used at all: unreachable, not a registry, credentials refused);
3 some images could not be scanned.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from regsentry.model.image import ImageResult, ImageStatus


class ExitCode(IntEnum):
    """The process exit codes of every command."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3


def for_results(results: Sequence[ImageResult]) -> ExitCode:
    """3 when any image failed, else 0.

    Images skipped because the rule does not cover them (another OS, not a container
    image) are deliberate, not failures.
    """
    if any(result.status is ImageStatus.FAILED for result in results):
        return ExitCode.INCOMPLETE
    return ExitCode.OK
