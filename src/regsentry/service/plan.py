"""Use case: which images does a scan rule cover right now (``scan --dry-run``)."""

from __future__ import annotations

from pathlib import Path

from regsentry.config import Settings
from regsentry.model.image import ImageResult
from regsentry.model.progress import ProgressSink
from regsentry.model.rule import ScanRule
from regsentry.planner.enumerate import check_supported, plan_rule
from regsentry.registry.auth import Credentials
from regsentry.registry.client import ClientOptions, RegistryClient
from regsentry.registry.content_cache import DirectoryContentCache


def client_options(
    settings: Settings,
    *,
    credentials: Credentials | None,
    ca_file: Path | None,
    insecure: bool,
) -> ClientOptions:
    """Registry client options from settings and the rule's access flags."""
    return ClientOptions(
        credentials=credentials,
        ca_file=ca_file,
        insecure=insecure,
        concurrency=settings.registry_concurrency,
        timeout=settings.request_timeout,
        content_cache=DirectoryContentCache(settings.content_cache_dir),
    )


async def plan_images(
    rule: ScanRule,
    options: ClientOptions,
    *,
    progress: ProgressSink | None = None,
) -> list[ImageResult]:
    """Connect to the rule's registry and enumerate the images the rule covers."""
    check_supported(rule)
    async with await RegistryClient.connect(rule.address, options) as client:
        return await plan_rule(client, rule, concurrency=options.concurrency * 2, progress=progress)
