"""Enumerate the images a scan rule covers (SPEC §2 step 1), without pulling a layer.

repositories (catalog or the rule's literal names) → tags (filtered) → each tag's manifest
→ digest groups → platform choice and image configs (dates, OS) → the ``cap`` newest
images per repository. Lookups run concurrently within the registry's limit; manifests
and configs shared by several tags are fetched once.

Every outcome is a value: images chosen are ``planned``; images of another OS, artifacts
that are not container images and indexes without a wanted platform are ``skipped``; a
repository or tag that could not be read is ``failed``. Only errors that leave nothing to
enumerate (the registry or its catalog unreachable) are raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from regsentry.concurrency import Memo, map_concurrently
from regsentry.errors import ConfigError
from regsentry.model.digest import Digest
from regsentry.model.image import ImageResult, ImageStatus, ImageTarget
from regsentry.model.platform import Platform
from regsentry.model.progress import NoProgress, ProgressSink
from regsentry.model.rule import ScanRule
from regsentry.planner.select import DigestGroup, newest_first
from regsentry.registry.client import RegistryClient
from regsentry.registry.errors import NotFoundError, RegistryError
from regsentry.registry.manifest import (
    ImageConfig,
    ImageIndex,
    ImageManifest,
    Manifest,
    Schema1Manifest,
)


@dataclass(frozen=True)
class _Chosen:
    """One platform image resolved from a tag's manifest."""

    digest: Digest
    platform: Platform
    created: datetime | None


class Planner:
    """Plans one rule against one connected registry client."""

    def __init__(
        self,
        client: RegistryClient,
        rule: ScanRule,
        *,
        concurrency: int,
        progress: ProgressSink | None = None,
    ) -> None:
        self._client = client
        self._rule = rule
        self._registry = rule.address.display
        self._concurrency = concurrency
        self._progress = progress or NoProgress()
        self._manifests: Memo[tuple[str, Digest], Manifest] = Memo()
        #: Every tag the rule's tag pattern matched, per repository listed: what the
        #: registry holds now (beyond the cap too), so that vanished images turn stale.
        self.listed: dict[str, set[str]] = {}
        self._configs: Memo[Digest, ImageConfig] = Memo()

    async def plan(self) -> list[ImageResult]:
        """Every image the rule covers, planned, skipped or failed, by repository."""
        check_supported(self._rule)
        repositories = await self._repositories()
        per_repository = await map_concurrently(
            self._plan_repository, repositories, limit=self._concurrency
        )
        return [result for results in per_repository for result in results]

    async def _repositories(self) -> list[str]:
        pattern = self._rule.repository_pattern
        literal = pattern.literal_names
        if literal is not None:
            return sorted(literal)
        return sorted(name for name in await self._client.catalog() if pattern.matches(name))

    async def _plan_repository(self, repository: str) -> list[ImageResult]:
        try:
            tags = await self._client.tags(repository)
        except NotFoundError as exc:
            self.listed[repository] = set()  # the repository is gone
            return [self._result(repository, (), None, ImageStatus.FAILED, error=str(exc))]
        except RegistryError as exc:
            return [self._result(repository, (), None, ImageStatus.FAILED, error=str(exc))]
        pattern = self._rule.tag_pattern
        wanted = sorted(tag for tag in tags if pattern.matches(tag))
        self.listed[repository] = set(wanted)
        self._progress.add_total(len(wanted))

        async def resolve(tag: str) -> tuple[str, Manifest | RegistryError]:
            try:
                return tag, await self._client.manifest(repository, tag)
            except RegistryError as exc:
                return tag, exc
            finally:
                self._progress.advance()

        resolved = await map_concurrently(resolve, wanted, limit=self._concurrency)
        failed: list[ImageResult] = []
        groups: dict[Digest, tuple[list[str], Manifest]] = {}
        for tag, outcome in resolved:
            if isinstance(outcome, RegistryError):
                failed.append(
                    self._result(repository, (tag,), None, ImageStatus.FAILED, error=str(outcome))
                )
            else:
                groups.setdefault(outcome.digest, ([], outcome))[0].append(tag)

        async def expand_group(item: tuple[Digest, tuple[list[str], Manifest]]) -> DigestGroup:
            _digest, (group_tags, manifest) = item
            return await self.expand(repository, tuple(group_tags), manifest)

        expanded = await map_concurrently(expand_group, groups.items(), limit=self._concurrency)
        planned = [
            result
            for group in newest_first(
                [group for group in expanded if group.planned], self._rule.cap
            )
            for result in group.planned
        ]
        others = [result for group in expanded for result in group.others]
        return planned + others + failed

    async def expand(
        self, repository: str, tags: tuple[str, ...], manifest: Manifest
    ) -> DigestGroup:
        """The images one tagged manifest yields under the rule: the index children of
        the rule's platforms, or the image itself; others skipped or failed with reasons.
        """
        if isinstance(manifest, ImageIndex):
            return await self._expand_index(repository, tags, manifest)
        outcome = await self._single(repository, manifest)
        if isinstance(outcome, _Chosen):
            return DigestGroup(tags, (self._planned(repository, tags, outcome, None),))
        status, reason = outcome
        return DigestGroup(
            tags, others=(self._result(repository, tags, manifest.digest, status, error=reason),)
        )

    async def _expand_index(
        self, repository: str, tags: tuple[str, ...], index: ImageIndex
    ) -> DigestGroup:
        selector = self._rule.platform_selector
        children = [
            child
            for child in index.manifests
            if child.platform is not None and selector.wants(child.platform)
        ]
        if not children:
            offered = sorted({str(child.platform) for child in index.manifests if child.platform})
            reason = f"index offers no {selector} image (it has: {', '.join(offered) or 'none'})"
            return DigestGroup(
                tags,
                others=(
                    self._result(repository, tags, index.digest, ImageStatus.SKIPPED, error=reason),
                ),
            )
        planned: list[ImageResult] = []
        others: list[ImageResult] = []
        for child in sorted(children, key=lambda descriptor: str(descriptor.platform)):
            try:
                manifest = await self._manifest(repository, child.digest)
                outcome = (
                    await self._single(repository, manifest)
                    if not isinstance(manifest, ImageIndex)
                    else (ImageStatus.SKIPPED, "nested index inside an index is not supported")
                )
            except RegistryError as exc:
                outcome = (ImageStatus.FAILED, str(exc))
            if isinstance(outcome, _Chosen):
                planned.append(self._planned(repository, tags, outcome, index.digest))
            else:
                status, reason = outcome
                others.append(
                    self._result(
                        repository,
                        tags,
                        child.digest,
                        status,
                        error=reason,
                        index_digest=index.digest,
                        platform=child.platform,
                    )
                )
        return DigestGroup(tags, tuple(planned), tuple(others))

    async def _single(
        self, repository: str, manifest: ImageManifest | Schema1Manifest
    ) -> _Chosen | tuple[ImageStatus, str]:
        """Platform and date of a single-platform image, or why it is not scanned."""
        if isinstance(manifest, Schema1Manifest):
            platform, created = manifest.platform, manifest.created
        elif not manifest.is_container_image:
            return ImageStatus.SKIPPED, (
                f"not a container image (config media type {manifest.config.media_type!r})"
            )
        else:
            try:
                config = await self._configs.get(
                    manifest.config.digest,
                    lambda: self._client.image_config(repository, manifest.config),
                )
            except RegistryError as exc:
                return ImageStatus.FAILED, str(exc)
            platform, created = config.platform, config.created
        if platform.os != self._rule.os:
            return ImageStatus.SKIPPED, (
                f"image is for {platform.os or 'an unknown OS'} ({platform}); this rule scans "
                f"{self._rule.os} images"
            )
        return _Chosen(manifest.digest, platform, created)

    async def _manifest(self, repository: str, digest: Digest) -> Manifest:
        return await self._manifests.get(
            (repository, digest), lambda: self._client.manifest(repository, digest)
        )

    def _planned(
        self,
        repository: str,
        tags: tuple[str, ...],
        chosen: _Chosen,
        index_digest: Digest | None,
    ) -> ImageResult:
        return self._result(
            repository,
            tags,
            chosen.digest,
            ImageStatus.PLANNED,
            index_digest=index_digest,
            platform=chosen.platform,
            created=chosen.created,
        )

    def _result(
        self,
        repository: str,
        tags: tuple[str, ...],
        digest: Digest | None,
        status: ImageStatus,
        *,
        error: str | None = None,
        index_digest: Digest | None = None,
        platform: Platform | None = None,
        created: datetime | None = None,
    ) -> ImageResult:
        target = ImageTarget(
            registry=self._registry,
            repository=repository,
            tags=tags,
            digest=digest,
            index_digest=index_digest,
            platform=platform,
            created=created,
        )
        return ImageResult(target, status, error)


def check_supported(rule: ScanRule) -> None:
    """Refuse, before any request, a rule this version cannot enumerate."""
    if rule.address.is_docker_hub and rule.repository_pattern.literal_names is None:
        raise ConfigError(
            "Docker Hub has no repository catalog: name the repositories exactly "
            "(e.g. --repo library/alpine,bitnami/redis); listing ORG/* through Docker "
            "Hub's own API is not supported yet"
        )


async def plan_rule(
    client: RegistryClient,
    rule: ScanRule,
    *,
    concurrency: int,
    progress: ProgressSink | None = None,
) -> list[ImageResult]:
    """The images ``rule`` covers in the registry ``client`` is connected to."""
    return await Planner(client, rule, concurrency=concurrency, progress=progress).plan()
