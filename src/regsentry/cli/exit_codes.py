"""Exit codes (SPEC §3), mapped here and nowhere else.

0 success; 1 findings at or above ``--fail-on``; 2 usage or configuration error (also:
the registry could not be used at all: unreachable, not a registry, credentials refused);
3 some images could not be scanned.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from regsentry.model.advisory import SEVERITIES
from regsentry.model.image import ImageResult, ImageStatus


class ExitCode(IntEnum):
    """The process exit codes of every command."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3


def for_results(results: Sequence[ImageResult], fail_on: str | None = None) -> ExitCode:
    """3 when any image failed; else 1 when a finding reaches ``fail_on``; else 0.

    An incomplete scan wins over findings: what was not scanned may hide worse. Images
    skipped because the rule does not cover them (another OS, not a container image) are
    deliberate, not failures.
    """
    if any(result.status is ImageStatus.FAILED for result in results):
        return ExitCode.INCOMPLETE
    if fail_on is not None:
        threshold = [str(severity) for severity in SEVERITIES].index(fail_on)
        for result in results:
            for finding in result.vulnerabilities or ():
                if SEVERITIES.index(finding.severity) <= threshold:
                    return ExitCode.FINDINGS
    return ExitCode.OK
