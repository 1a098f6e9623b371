"""Whether an inventory may be called complete: the "never a silent clean" rule.

An image is ``scanned`` only when its OS is known, the package database that OS uses was
found and read, and no file it needed was unreadable. Anything less is ``failed`` with the
reason, and whatever packages were found are still listed.
"""

from __future__ import annotations

from regsentry.model.image import ImageStatus
from regsentry.model.inventory import Inventory

#: The analyzer whose database each OS family keeps its packages in.
PACKAGE_DATABASE = {
    **dict.fromkeys(("debian", "ubuntu"), "dpkg"),
    **dict.fromkeys(("alpine", "wolfi", "chainguard"), "apk"),
    **dict.fromkeys(
        (
            "rhel", "centos", "centos-stream", "rocky", "almalinux", "fedora", "amazon",
            "oracle", "sles", "sle-micro", "opensuse-leap", "opensuse-tumbleweed", "photon",
            "azurelinux", "mariner",
        ),
        "rpm",
    ),
}  # fmt: skip

_DATABASE_FILES = {
    "dpkg": "var/lib/dpkg/status or var/lib/dpkg/status.d/",
    "apk": "lib/apk/db/installed",
    "rpm": "an rpm database in var/lib/rpm or usr/lib/sysimage/rpm",
}


def judge(inventory: Inventory) -> tuple[ImageStatus, str | None]:
    """``(scanned, None)`` for a complete inventory, else ``(failed, reason)``."""
    reasons = list(inventory.problems)
    distro = inventory.distro
    if distro is None:
        reasons.insert(
            0,
            "unknown OS: no etc/os-release, usr/lib/os-release or distribution release file "
            "was found, so installed packages cannot be listed",
        )
    else:
        database = PACKAGE_DATABASE.get(distro.family)
        if database is None:
            reasons.insert(
                0, f"unsupported OS family {distro.family!r}: no package database is known"
            )
        elif not any(file.analyzer == database for file in inventory.files):
            reasons.insert(
                0,
                f"no package database: {distro.family} {distro.version} keeps packages in "
                f"{_DATABASE_FILES[database]}, which is missing",
            )
    if reasons:
        return ImageStatus.FAILED, "; ".join(reasons)
    return ImageStatus.SCANNED, None
