"""Header blob decoding: values, and refusal of every malformed index."""

from __future__ import annotations

import struct

import pytest

from regsentry.analyzer.base import AnalyzerError
from regsentry.analyzer.rpm.header import Header, HeaderError, Tag
from tests.analyzer.rpm.data import (
    BIN,
    I18NSTRING,
    INT32,
    STRING,
    STRING_ARRAY,
    build_header,
    int32,
    package_header,
    string,
)


def test_reads_strings_and_numbers() -> None:
    header = Header.parse(package_header(epoch=7, vendor="Red Hat, Inc."))

    assert header.string(Tag.NAME) == "bash"
    assert header.string(Tag.SOURCERPM) == "bash-5.1.8-6.el9.src.rpm"
    assert header.string(Tag.VENDOR) == "Red Hat, Inc."
    assert header.int32(Tag.EPOCH) == 7
    assert header.has(Tag.EPOCH)


def test_absent_tags_are_none() -> None:
    header = Header.parse(package_header())

    assert header.string(Tag.MODULARITYLABEL) is None
    assert header.int32(Tag.EPOCH) is None
    assert not header.has(Tag.EPOCH)


def test_first_string_of_arrays_and_i18n_strings() -> None:
    header = Header.parse(
        build_header(
            [
                (Tag.VENDOR, I18NSTRING, b"Vendor\0Vendeur\0", 2),
                (Tag.MODULARITYLABEL, STRING_ARRAY, b"a:b\0c:d\0", 2),
            ]
        )
    )

    assert header.string(Tag.VENDOR) == "Vendor"
    assert header.string(Tag.MODULARITYLABEL) == "a:b"


def test_a_later_entry_replaces_an_earlier_one() -> None:
    # rpm appends "dribble" entries after the immutable region; they win.
    header = Header.parse(build_header([string(Tag.NAME, "old"), string(Tag.NAME, "new")]))

    assert header.string(Tag.NAME) == "new"


def test_epoch_is_unsigned() -> None:
    assert Header.parse(build_header([int32(Tag.EPOCH, 2**32 - 1)])).int32(Tag.EPOCH) == 2**32 - 1


def test_non_utf8_strings() -> None:
    header = Header.parse(build_header([(Tag.VENDOR, STRING, b"Caf\xe9\0", 1)]))

    assert header.string(Tag.VENDOR, strict=False) == "Caf\ufffd"
    with pytest.raises(HeaderError, match="not UTF-8"):
        header.string(Tag.VENDOR)


def test_wrong_types_are_refused() -> None:
    header = Header.parse(build_header([int32(Tag.NAME, 1), string(Tag.EPOCH, "1")]))

    with pytest.raises(HeaderError, match="not a string"):
        header.string(Tag.NAME)
    with pytest.raises(HeaderError, match="not INT32"):
        header.int32(Tag.EPOCH)


def test_unterminated_string() -> None:
    header = Header.parse(build_header([(Tag.NAME, STRING, b"bash", 1)]))

    with pytest.raises(HeaderError, match="runs past"):
        header.string(Tag.NAME)


def preamble(il: int, dl: int) -> bytes:
    return struct.pack(">II", il, dl)


def entry(tag: int, kind: int, offset: int, count: int) -> bytes:
    return struct.pack(">iIiI", tag, kind, offset, count)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        pytest.param(b"", "shorter than its preamble", id="empty"),
        pytest.param(b"\0\0\0\1\0\0", "shorter than its preamble", id="short"),
        pytest.param(preamble(0, 0), "0 index entries", id="no-entries"),
        pytest.param(preamble(2**31, 16), "2147483648 index entries", id="il-2**31"),
        pytest.param(preamble(2**32 - 1, 0), "index entries", id="il-max"),
        pytest.param(preamble(0x10000, 0), "65536 index entries", id="il-over-rpm-limit"),
        pytest.param(preamble(1, 2**31), "data store", id="dl-2**31"),
        pytest.param(preamble(1, 8) + entry(1000, STRING, 0, 1), "needs 32 bytes", id="cut"),
        pytest.param(
            preamble(1, 4) + entry(1000, STRING, 0, 1) + b"bash\0extra",
            "blob has",
            id="trailing-bytes",
        ),
        pytest.param(preamble(1, 4) + entry(1000, 10, 0, 1) + b"abc\0", "unknown type", id="type"),
        pytest.param(
            preamble(1, 4) + entry(1000, STRING, 5, 1) + b"abc\0", "outside", id="offset-past"
        ),
        pytest.param(
            preamble(1, 4) + entry(1000, STRING, -4, 1) + b"abc\0", "outside", id="offset-negative"
        ),
        pytest.param(
            preamble(1, 4) + entry(1000, STRING, 0, 0) + b"abc\0", "count is 0", id="count-0"
        ),
        pytest.param(
            preamble(1, 8) + entry(1003, INT32, 2, 1) + bytes(8), "misaligned", id="misaligned"
        ),
        pytest.param(
            preamble(1, 8) + entry(1003, INT32, 4, 2) + bytes(8),
            "values run past",
            id="int32-count",
        ),
        pytest.param(
            preamble(1, 8) + entry(1003, BIN, 0, 2**32 - 1) + bytes(8),
            "values run past",
            id="bin-count",
        ),
        pytest.param(
            preamble(1, 4) + entry(1000, STRING, 0, 2) + b"abc\0",
            "STRING with count",
            id="string-2",
        ),
        pytest.param(
            preamble(1, 4) + entry(1000, STRING_ARRAY, 0, 2**31) + b"abc\0",
            "cannot fit",
            id="array-count",
        ),
    ],
)
def test_malformed_index_is_refused(blob: bytes, message: str) -> None:
    with pytest.raises(HeaderError, match=message) as caught:
        Header.parse(blob)
    assert isinstance(caught.value, AnalyzerError)


def test_huge_claims_do_not_allocate() -> None:
    # 2**31 entries of 16 bytes would be 32 GiB: refused from the preamble alone.
    with pytest.raises(HeaderError):
        Header.parse(preamble(2**31, 0) + bytes(64))
