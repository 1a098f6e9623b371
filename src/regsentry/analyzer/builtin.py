"""The built-in analyzers, listed explicitly (no import side effects)."""

from __future__ import annotations

from regsentry.analyzer.apk import ApkAnalyzer
from regsentry.analyzer.base import Analyzer
from regsentry.analyzer.dpkg import DpkgAnalyzer
from regsentry.analyzer.os_release import OsReleaseAnalyzer
from regsentry.analyzer.rpm import RpmAnalyzer


def builtin_analyzers() -> tuple[Analyzer, ...]:
    """Every analyzer regsentry runs, OS first; duplicate ids are a programming error."""
    analyzers: tuple[Analyzer, ...] = (
        OsReleaseAnalyzer(),
        DpkgAnalyzer(),
        ApkAnalyzer(),
        RpmAnalyzer(),
    )
    ids = [analyzer.id for analyzer in analyzers]
    if len(set(ids)) != len(ids):
        raise RuntimeError(f"duplicate analyzer ids: {sorted(ids)}")
    return analyzers
