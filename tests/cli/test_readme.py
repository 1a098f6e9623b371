"""The README shows the real ``--help`` and the same test command CI runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", ["scan", "image", "scanner", "scanners"])
def test_readme_help_is_current(command: str) -> None:
    readme = (ROOT / "README.md").read_text()
    pattern = rf"<!-- {command}-help.*?-->\n```text\n(.*?)\n```\n<!-- /{command}-help -->"
    block = re.search(pattern, readme, re.S)
    assert block, f"README lost its {command}-help block"
    help_text = subprocess.run(
        [sys.executable, "-m", "regsentry", command, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"},
        check=True,
    ).stdout
    assert block.group(1).strip() == help_text.strip(), (
        f"README usage is stale: paste the output of `COLUMNS=100 regsentry {command} --help`"
    )


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "   scripts/test\n" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().splitlines()[-1] == "scripts/test"
