"""The scan rule (SPEC §1): what to scan in one registry, validated once, with defaults.

A rule is immutable; every field keeps the exact name and meaning the SPEC gives it,
because the REST API (``/api/v1/registries``) exposes these models as they are.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from regsentry.errors import ConfigError
from regsentry.model.pattern import NamePattern
from regsentry.model.platform import PlatformSelector
from regsentry.model.registry_address import RegistryAddress


class RegistryVersion(StrEnum):
    """The registry's kind; ``v2`` is any Docker Registry HTTP API v2 / OCI registry."""

    V2 = "v2"
    DOCKERHUB = "dockerhub"
    ECR = "ecr"
    GCR = "gcr"
    ACR = "acr"


OperatingSystem = Literal["linux", "windows"]


class ScanRule(BaseModel):
    """One registry/repository scope to keep scanned."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(
        "", max_length=200, description="Unique label; default registry + repository."
    )
    version: RegistryVersion = Field(RegistryVersion.V2, description="The registry's kind.")
    registry: str = Field("", max_length=300, description="URL or host[:port]; blank = Docker Hub.")
    repository: str = Field(
        "", max_length=2000, description="Repository pattern(s): *, ?, comma lists, !excludes."
    )
    tag: str = Field("", max_length=2000, description="Tag pattern(s), same syntax; blank = all.")
    credential: str = Field("", max_length=200, description="Credential name; blank = anonymous.")
    os: OperatingSystem = Field("linux", description="Scan images of this OS only.")
    platforms: str = Field(
        "", max_length=1000, description="Index platforms of the OS to scan; blank = OS/amd64; *."
    )
    scanner: str = Field("auto", max_length=200, description="auto or one scanner's name.")
    scanners: int = Field(2, ge=1, le=1000, description="Scanners one job may spread across.")
    cap: int = Field(5, ge=0, description="Newest images per repository; 0 = all.")

    @field_validator("registry")
    @classmethod
    def _registry_parses(cls, value: str) -> str:
        RegistryAddress.parse(value)
        return value

    @field_validator("repository", "tag")
    @classmethod
    def _pattern_parses(cls, value: str) -> str:
        NamePattern.parse(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ScanRule:
        PlatformSelector.parse(self.os, self.platforms)
        address = RegistryAddress.parse(self.registry)
        if self.version is RegistryVersion.DOCKERHUB and not address.is_docker_hub:
            raise ValueError(f"version dockerhub but registry {self.registry!r} is not Docker Hub")
        if self.version in (RegistryVersion.ECR, RegistryVersion.GCR, RegistryVersion.ACR) and (
            not self.registry
        ):
            raise ValueError(f"version {self.version.value} needs the registry's host name")
        if not self.name:
            default = f"{address.display}/{self.repository or '*'}"
            object.__setattr__(self, "name", default)
        return self

    @classmethod
    def build(cls, **fields: object) -> ScanRule:
        """Validate ``fields`` into a rule, turning validation errors into a ConfigError."""
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, error['loc'])) or 'rule'}: "
                f"{error['msg'].removeprefix('Value error, ')}"
                for error in exc.errors()
            )
            raise ConfigError(f"invalid scan rule: {problems}") from exc

    @property
    def address(self) -> RegistryAddress:
        """Where the registry is."""
        return RegistryAddress.parse(self.registry)

    @property
    def repository_pattern(self) -> NamePattern:
        """The repository pattern, with Docker Hub's ``library/`` applied to bare names."""
        return NamePattern.parse(self.repository, what="repository").transformed(
            self.address.repository_name
        )

    @property
    def tag_pattern(self) -> NamePattern:
        """The tag pattern."""
        return NamePattern.parse(self.tag, what="tag")

    @property
    def platform_selector(self) -> PlatformSelector:
        """The platforms wanted from multi-platform indexes."""
        return PlatformSelector.parse(self.os, self.platforms)
