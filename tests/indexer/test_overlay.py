"""Layers stacked as the runtime stacks them: whiteouts, opaque directories, links,
replaced databases and the layer that introduced each package."""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Mapping

import pytest
import zstandard

from regsentry.analyzer.builtin import builtin_analyzers
from regsentry.indexer.decompress import DecompressionLimits
from regsentry.indexer.errors import LayerError
from regsentry.indexer.layer import LayerAnalysis, LayerWalker, resolve_link
from regsentry.indexer.overlay import stack
from regsentry.indexer.verdict import judge
from regsentry.model.digest import Digest
from regsentry.model.image import ImageStatus
from regsentry.model.inventory import Inventory

ANALYZERS = builtin_analyzers()
OS_RELEASE = b'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'


def stanza(name: str, version: str = "1.0", source: str = "") -> bytes:
    extra = f"Source: {source}\n" if source else ""
    return (
        f"Package: {name}\nStatus: install ok installed\nArchitecture: amd64\n"
        f"Version: {version}\n{extra}\n"
    ).encode()


def tar(files: Mapping[str, bytes | str | None]) -> bytes:
    """``bytes`` = file, ``str`` = symlink target, ``None`` = directory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in files.items():
            member = tarfile.TarInfo(name)
            if content is None:
                member.type = tarfile.DIRTYPE
                archive.addfile(member)
            elif isinstance(content, str):
                member.type = tarfile.SYMTYPE
                member.linkname = content
                archive.addfile(member)
            else:
                member.size = len(content)
                archive.addfile(member, io.BytesIO(content))
    return buffer.getvalue()


def analyse(blob: bytes, limits: DecompressionLimits | None = None) -> LayerAnalysis:
    walker = LayerWalker(Digest.of(blob), ANALYZERS, limits=limits or DecompressionLimits())
    for start in range(0, len(blob), 7000):
        walker.feed(blob[start : start + 7000])
    return walker.finish()


def inventory(*layers: Mapping[str, bytes | str | None]) -> Inventory:
    return stack([analyse(gzip.compress(tar(files))) for files in layers], ANALYZERS)


def names(result: Inventory) -> list[str]:
    return sorted(p.name for p in result.packages)


def test_single_layer_with_symlinked_os_release() -> None:
    result = inventory(
        {
            "etc/os-release": "../usr/lib/os-release",
            "usr/lib/os-release": OS_RELEASE,
            "var/lib/dpkg/status": stanza("bash") + stanza("libc6", source="glibc (2.36-9)"),
        }
    )
    assert result.distro is not None
    assert (result.distro.family, result.distro.version) == ("debian", "12")
    assert names(result) == ["bash", "libc6"]
    libc = next(p for p in result.packages if p.name == "libc6")
    assert (libc.source_name, libc.source_version) == ("glibc", "2.36-9")
    assert judge(result) == (ImageStatus.SCANNED, None)


def test_replaced_status_keeps_the_layer_that_introduced_each_package() -> None:
    base = {"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": stanza("bash")}
    upper = {"var/lib/dpkg/status": stanza("bash") + stanza("curl", "7.88")}
    layers = [analyse(gzip.compress(tar(files))) for files in (base, upper)]
    result = stack(layers, ANALYZERS)
    layer_of = {p.name: p.layer for p in result.packages}
    assert layer_of == {"bash": layers[0].digest, "curl": layers[1].digest}
    assert [f.layer for f in result.files if f.path == "var/lib/dpkg/status"] == [layers[1].digest]


def test_a_package_upgraded_in_an_upper_layer_is_attributed_to_it() -> None:
    result = inventory(
        {"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": stanza("bash", "5.1")},
        {"var/lib/dpkg/status": stanza("bash", "5.2")},
    )
    [bash] = result.packages
    assert bash.version == "5.2"


def test_whiteout_of_the_database_leaves_no_database() -> None:
    result = inventory(
        {"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": stanza("bash")},
        {"var/lib/dpkg/.wh.status": b""},
    )
    assert result.packages == ()
    status, reason = judge(result)
    assert status is ImageStatus.FAILED
    assert reason is not None
    assert "no package database" in reason


def test_whiteout_of_a_parent_directory_and_opaque_directories() -> None:
    base = {
        "etc/os-release": OS_RELEASE,
        "var/lib/dpkg/status.d/bash": stanza("bash"),
        "var/lib/dpkg/status.d/zlib": stanza("zlib1g"),
    }
    assert names(inventory(base, {"var/lib/dpkg/.wh.status.d": b""})) == []
    opaque = {
        "var/lib/dpkg/status.d/.wh..wh..opq": b"",
        "var/lib/dpkg/status.d/curl": stanza("curl"),
    }
    assert names(inventory(base, opaque)) == ["curl"]
    # A whiteout applies to lower layers only: a file re-added in the same layer survives.
    readded = {"var/lib/dpkg/status.d/.wh.bash": b"", "var/lib/dpkg/status.d/bash": stanza("bash")}
    assert names(inventory(base, readded)) == ["bash", "zlib1g"]


def test_hard_link_to_a_read_file_is_followed() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        target = tarfile.TarInfo("usr/lib/os-release")
        target.size = len(OS_RELEASE)
        archive.addfile(target, io.BytesIO(OS_RELEASE))
        link = tarfile.TarInfo("etc/os-release")
        link.type = tarfile.LNKTYPE
        link.linkname = "usr/lib/os-release"
        archive.addfile(link)
        status = stanza("bash")
        database = tarfile.TarInfo("var/lib/dpkg/status")
        database.size = len(status)
        archive.addfile(database, io.BytesIO(status))
    result = stack([analyse(gzip.compress(buffer.getvalue()))], ANALYZERS)
    assert judge(result) == (ImageStatus.SCANNED, None)
    assert {f.path for f in result.files} >= {"etc/os-release", "usr/lib/os-release"}


def test_os_release_link_to_a_missing_file_in_an_upper_layer() -> None:
    result = inventory(
        {"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": stanza("bash")},
        {"etc/os-release": "../usr/lib/os-release"},  # points nowhere now
    )
    assert result.distro is None
    status, reason = judge(result)
    assert status is ImageStatus.FAILED
    assert reason is not None
    assert "unknown OS" in reason
    assert "etc/os-release is a symbolic link to usr/lib/os-release" in reason


def test_no_os_is_failed_never_clean() -> None:
    status, reason = judge(inventory({"bin/app": b"\x7fELF"}))
    assert status is ImageStatus.FAILED
    assert reason is not None
    assert reason.startswith("unknown OS")


def test_unreadable_database_fails_the_image_with_its_message() -> None:
    result = inventory({"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": b"\0\0\0garbage"})
    status, reason = judge(result)
    assert status is ImageStatus.FAILED
    assert reason is not None
    assert "var/lib/dpkg/status" in reason


def test_a_broken_database_deleted_above_does_not_matter() -> None:
    result = inventory(
        {"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": b"\0\0\0garbage"},
        {"var/lib/dpkg/status": stanza("bash")},
    )
    assert judge(result) == (ImageStatus.SCANNED, None)


@pytest.mark.parametrize(
    ("compress", "name"),
    [(gzip.compress, "gzip"), (zstandard.ZstdCompressor().compress, "zstd"), (bytes, "plain")],
)
def test_compressions(compress: object, name: str) -> None:
    raw = tar({"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": stanza("bash")})
    blob = compress(raw)  # type: ignore[operator]
    result = stack([analyse(blob)], ANALYZERS)
    assert names(result) == ["bash"], name


def test_multi_member_gzip() -> None:
    raw = tar({"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": stanza("bash")})
    blob = gzip.compress(raw[:3000]) + gzip.compress(raw[3000:])
    assert names(stack([analyse(blob)], ANALYZERS)) == ["bash"]


def test_truncated_gzip() -> None:
    blob = gzip.compress(tar({"var/lib/dpkg/status": stanza("bash") * 500}))
    with pytest.raises(LayerError, match="truncated"):
        analyse(blob[: len(blob) // 2])


def test_truncated_zstd_is_caught_by_the_tar_end_check() -> None:
    blob = zstandard.ZstdCompressor().compress(tar({"a": b"x" * 100_000}))
    with pytest.raises(LayerError):
        analyse(blob[: len(blob) - 40])


def test_zstd_bomb_is_stopped_by_the_ratio_cap() -> None:
    zeros = bytes(1 << 24)
    compressor = zstandard.ZstdCompressor(level=19).compressobj()
    blob = b"".join(compressor.compress(zeros) for _ in range(256)) + compressor.flush()
    assert len(blob) < 200_000  # a few KB that expand to 4 GiB
    with pytest.raises(LayerError, match="decompression bomb"):
        analyse(blob)


def test_absolute_decompressed_cap() -> None:
    blob = gzip.compress(tar({"a": bytes(3 << 20)}))
    with pytest.raises(LayerError, match="over 1,048,576 bytes"):
        analyse(blob, DecompressionLimits(max_bytes=1 << 20))


@pytest.mark.parametrize(
    ("path", "target", "expected"),
    [
        ("etc/os-release", "../usr/lib/os-release", "usr/lib/os-release"),
        ("etc/os-release", "/usr/lib/os-release", "usr/lib/os-release"),
        ("a/b/c", "../../../../x", "x"),
        ("a/b", "./c/./d", "a/c/d"),
    ],
)
def test_resolve_link(path: str, target: str, expected: str) -> None:
    assert resolve_link(path, target) == expected
