"""The streaming tar parser against archives written by Python's tarfile and GNU tar."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regsentry.indexer.errors import LayerError
from regsentry.indexer.tar_stream import EntryKind, TarEntry, TarStream, byte_sum, normalise


def archive(
    members: list[tuple[tarfile.TarInfo, bytes | None]], fmt: int = tarfile.PAX_FORMAT
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type = kind
    member.linkname = link
    return member


def walk(
    data: bytes, wanted: set[str], chunk: int = 4096, cap: int = 1 << 20
) -> tuple[list[TarEntry], dict[str, bytes]]:
    entries: list[TarEntry] = []
    captured: dict[str, bytes] = {}

    def visit(entry: TarEntry, body: bytes | None) -> None:
        entries.append(entry)
        if body is not None:
            captured[entry.path] = body

    stream = TarStream(lambda e: cap if e.path in wanted else None, visit)
    for start in range(0, len(data), chunk):
        stream.feed(data[start : start + chunk])
    stream.close()
    return entries, captured


LONG = "deep/" * 40 + "status"  # 206 characters: needs pax or GNU long names


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
@pytest.mark.parametrize("chunk", [1, 511, 512, 513, 4096, 1 << 20])
def test_entries_and_captured_bodies_in_any_chunking(fmt: int, chunk: int) -> None:
    long_name = LONG if fmt != tarfile.USTAR_FORMAT else "a/b/status"
    data = archive(
        [
            (info("./etc/", tarfile.DIRTYPE), None),
            (info("etc/os-release", tarfile.SYMTYPE, "../usr/lib/os-release"), None),
            (info("usr/lib/os-release"), b"ID=debian\n"),
            (info("big/skip-me"), b"x" * 100_000),
            (info(long_name), b"long name body"),
            (info("var/lib/dpkg/status"), b""),
            (info("hard", tarfile.LNKTYPE, "usr/lib/os-release"), None),
        ],
        fmt,
    )
    wanted = {"usr/lib/os-release", long_name, "var/lib/dpkg/status"}
    entries, captured = walk(data, wanted, chunk)
    assert [(e.path, e.kind) for e in entries] == [
        ("etc", EntryKind.DIRECTORY),
        ("etc/os-release", EntryKind.SYMLINK),
        ("usr/lib/os-release", EntryKind.FILE),
        ("big/skip-me", EntryKind.FILE),
        (long_name, EntryKind.FILE),
        ("var/lib/dpkg/status", EntryKind.FILE),
        ("hard", EntryKind.HARDLINK),
    ]
    assert entries[1].link == "../usr/lib/os-release"
    assert entries[6].link == "usr/lib/os-release"
    assert captured == {
        "usr/lib/os-release": b"ID=debian\n",
        long_name: b"long name body",
        "var/lib/dpkg/status": b"",
    }


def test_gnu_tar_archive(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / ("d" * 120)).mkdir(parents=True)
    (root / ("d" * 120) / "file").write_bytes(b"gnu")
    (root / "link").symlink_to("d" * 120 + "/file")
    output = subprocess.run(
        ["tar", "--format=gnu", "-C", str(root), "-cf", "-", "."], capture_output=True, check=True
    ).stdout
    entries, captured = walk(output, {"d" * 120 + "/file"})
    assert captured == {"d" * 120 + "/file": b"gnu"}
    assert any(e.kind is EntryKind.SYMLINK and e.path == "link" for e in entries)


def test_cap_exceeded() -> None:
    data = archive([(info("var/lib/dpkg/status"), b"x" * 2000)])
    with pytest.raises(LayerError, match="over its 1,000-byte cap"):
        walk(data, {"var/lib/dpkg/status"}, cap=1000)


@pytest.mark.parametrize("name", ["../etc/passwd", "a/../../b", "./x/../../y"])
def test_path_traversal_is_refused(name: str) -> None:
    data = archive([(info(name), b"root::0:0")])
    with pytest.raises(LayerError, match="escapes the image root"):
        walk(data, set())


def test_truncation_inside_a_member_and_without_end_marker() -> None:
    data = archive([(info("a"), b"x" * 5000), (info("b"), b"y")])
    with pytest.raises(LayerError, match="ends inside a member"):
        walk(data[:2000], set())
    end_of_b = 512 + 5120 + 512 + 512
    with pytest.raises(LayerError, match="end-of-archive marker"):
        walk(data[:end_of_b], set())


def test_corrupt_header_checksum() -> None:
    data = bytearray(archive([(info("a"), b"x")]))
    data[10] ^= 0xFF
    with pytest.raises(LayerError, match="checksum"):
        walk(bytes(data), set())


def test_not_a_tar_at_all() -> None:
    with pytest.raises(LayerError):
        walk(b"hello, I am not a tar archive" * 100, set())


def test_pax_size_override_and_garbage_pax() -> None:
    good = archive([(info("x" * 150), b"z" * 10)])
    entries, _ = walk(good, set())
    assert entries[0].size == 10
    bad = bytearray(archive([(info("x" * 150), b"z")]))
    bad[512 : 512 + 3] = b"999"  # pax record length beyond the header
    with pytest.raises(LayerError):
        walk(bytes(bad), set())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("./usr//lib/./x", "usr/lib/x"), ("/etc/os-release", "etc/os-release"), ("./", "")],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def _plain_normalise(path: str) -> str | None:
    """The definition: drop empty and "." components; None when a ".." is among them."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    return None if ".." in parts else "/".join(parts)


@given(st.lists(st.sampled_from(["", ".", "..", "usr", "a.b", ".hidden", "..x", "x.."]),
                max_size=6).map("/".join))  # fmt: skip
def test_normalise_agrees_with_its_definition(path: str) -> None:
    expected = _plain_normalise(path)
    if expected is None:
        with pytest.raises(LayerError, match="escapes the image root"):
            normalise(path)
    else:
        assert normalise(path) == expected


def test_byte_sum_is_the_sum_for_every_possible_header_total() -> None:
    for total in range(512 * 255 + 1):
        full, rest = divmod(total, 255)
        block = (b"\xff" * full + bytes([rest])).ljust(512, b"\0")[:512]
        assert byte_sum(block) == total


@given(st.binary(min_size=512, max_size=512))
def test_byte_sum_of_any_header(block: bytes) -> None:
    assert byte_sum(block) == sum(block)
