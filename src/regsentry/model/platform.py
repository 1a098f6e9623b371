"""Image platforms (``os/architecture[/variant]``) and how a wanted platform matches one.

Variant normalisation follows the OCI image-index conventions that containerd applies:
``arm64`` without a variant is ``arm64/v8``, ``arm`` without a variant is ``arm/v7``, and
``aarch64``/``x86_64`` are spelled ``arm64``/``amd64``.
"""

from __future__ import annotations

from dataclasses import dataclass

from regsentry.errors import ConfigError

_ARCH_ALIASES = {"aarch64": "arm64", "x86_64": "amd64", "x86-64": "amd64", "armhf": "arm"}
_DEFAULT_VARIANT = {"arm64": "v8", "arm": "v7"}


@dataclass(frozen=True, order=True)
class Platform:
    """One platform of an image, normalised so that equal platforms compare equal."""

    os: str
    architecture: str
    variant: str = ""

    @classmethod
    def of(cls, os: str, architecture: str, variant: str = "") -> Platform:
        """Build a normalised platform from the fields of a manifest or config."""
        arch = _ARCH_ALIASES.get(architecture.lower(), architecture.lower())
        normal_variant = variant.lower() or _DEFAULT_VARIANT.get(arch, "")
        return cls(os.lower(), arch, normal_variant)

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse ``os/arch[/variant]``, the form ``docker --platform`` takes."""
        parts = text.strip().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ConfigError(f"platform {text!r} is not of the form os/architecture[/variant]")
        return cls.of(*parts)

    def __str__(self) -> str:
        tail = f"/{self.variant}" if self.variant else ""
        return f"{self.os}/{self.architecture}{tail}"


@dataclass(frozen=True)
class PlatformSelector:
    """The platforms a scan rule wants from a multi-platform index.

    ``any_of_os`` is the ``*`` choice: every platform whose OS is the rule's OS.
    """

    os: str
    platforms: tuple[Platform, ...] = ()
    any_of_os: bool = False

    @classmethod
    def parse(cls, os: str, text: str) -> PlatformSelector:
        """Parse the rule's ``platforms`` option (comma list or ``*``) for OS ``os``.

        Blank means ``os/amd64``; every listed platform must be of the rule's OS, since
        images of another OS are scanned by other scanners.
        """
        text = text.strip()
        if text == "*":
            return cls(os=os, any_of_os=True)
        items = [item for item in (part.strip() for part in text.split(",")) if item]
        if not items:
            return cls(os=os, platforms=(Platform.of(os, "amd64"),))
        platforms = tuple(Platform.parse(item) for item in items)
        for platform in platforms:
            if platform.os != os:
                raise ConfigError(
                    f"platform {platform} is not of the rule's os {os!r}; "
                    f"a rule scans the images of one OS"
                )
        return cls(os=os, platforms=platforms)

    def wants(self, platform: Platform) -> bool:
        """Whether an index child of ``platform`` is to be scanned."""
        if platform.os != self.os:
            return False
        return self.any_of_os or platform in self.platforms

    def __str__(self) -> str:
        return f"{self.os}/*" if self.any_of_os else ",".join(map(str, self.platforms))
