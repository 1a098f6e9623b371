"""Where the shared, upstream-derived test data lives (``/work/shared/data`` in the lab).

Computed from this file's location so that tests run from any working directory.
"""

from __future__ import annotations

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """The path of ``parts`` under the shared data directory, e.g. ``shared_data("apk")``."""
    return SHARED_DATA.joinpath(*parts)
