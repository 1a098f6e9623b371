"""Alpine (apk) versions: ``digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}``.

Used for Alpine, Wolfi and Chainguard. Reference: apk-tools 3 (``src/version.c``, the
tokenizer that ``apk version -t`` and the solver use), checked against apk-tools' own
``test/version.data``.

A version is read as a run of tokens, each allowed only after certain others: the first
number, further ``.numbers``, one letter, ``_suffix`` words (each with an optional number),
a ``~commit`` hash, and the ``-r`` package revision. Two versions are compared token by
token while both have a token of the same kind. When the kinds differ, a pre-release
suffix (``_alpha``, ``_beta``, ``_pre``, ``_rc``) loses to anything, even the end: that is
why ``1.2_rc1 < 1.2``; otherwise the version that still has a token of an *earlier* kind
wins, so ``1.2.1 > 1.2``, ``1.2_p1 > 1.2`` and ``1.2-r0 > 1.2``.

Numbers after a dot that start with ``0`` compare as strings (Gentoo's rule, so that
``1.01 < 1.1``); the others as numbers. Post-release suffixes sort
``_cvs < _svn < _git < _hg < _p``, all after the release itself.

apk compares strings that are not valid versions too (upstream tests ``1.0 < 1.0bc``): the
first token that breaks the grammar becomes an "invalid" token that ends the version and
sorts below the end. regsentry does the same, so that one odd version in an advisory does
not stop a scan; :func:`is_valid` says whether apk-tools 3 would accept the string. One
exception: a number right after the letter (``6.6.2p1``), which apk-tools 2 accepted and
older Alpine advisories are full of, is compared as apk-tools 2 compared it (as a number;
OSV's fixture of real Alpine versions, made with apk-tools 2, agrees on every line), where
apk-tools 3 would make all such versions equal. Only the empty string raises
:class:`InvalidVersionError`. Numbers are unbounded (apk wraps at 2**64).
"""

from __future__ import annotations

from typing import Any

from regsentry.versions.errors import InvalidVersionError

NAME = "apk"

# apk-tools' token kinds, in its order (a token may only follow one of a lower kind).
_INITIAL_DIGIT, _DIGIT, _LETTER, _SUFFIX, _SUFFIX_NO, _HASH, _REVISION, _END, _INVALID = range(9)

# Suffix values; _NONE (5) is the release itself: below it are pre-releases.
_SUFFIXES = {"alpha": 1, "beta": 2, "pre": 3, "rc": 4, "cvs": 6, "svn": 7, "git": 8, "hg": 9}
_SUFFIX_P = 10
_NONE = 5

# Where each kind sorts when two versions disagree on the kind at the same place:
# pre-release suffix < invalid < end < revision < hash < suffix number < other suffix
# < letter < digit < first digit.
_PRE_SUFFIX_RANK = 0
_RANK = {
    _INVALID: 1,
    _END: 2,
    _REVISION: 3,
    _HASH: 4,
    _SUFFIX_NO: 5,
    _SUFFIX: 6,
    _LETTER: 7,
    _DIGIT: 8,
    _INITIAL_DIGIT: 9,
}
_HEX = frozenset("0123456789abcdefABCDEF")


def _digits_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return end


def _tokens(text: str) -> tuple[list[tuple[int, Any]], bool]:
    """apk's tokens of ``text`` (kind, value), ending with an end or invalid token, and
    whether apk-tools 3 would call ``text`` valid."""
    end = _digits_end(text, 0)
    if end == 0:
        return [(_INVALID, None)], False
    valid = True
    tokens: list[tuple[int, Any]] = [(_INITIAL_DIGIT, int(text[:end]))]
    kind, i, n = _INITIAL_DIGIT, end, len(text)
    while i < n:
        char = text[i]
        if "a" <= char <= "z":
            if kind > _DIGIT:
                break
            kind, i = _LETTER, i + 1
            tokens.append((kind, char))
        elif char == "." or "0" <= char <= "9":
            if char == ".":
                if kind > _DIGIT:
                    break
                i += 1
            legacy = kind == _LETTER and char != "."
            if kind in (_INITIAL_DIGIT, _DIGIT) or legacy:
                kind = _DIGIT
            elif kind == _SUFFIX:
                kind = _SUFFIX_NO
            else:
                break
            end = _digits_end(text, i)
            if end == i:
                break
            digits, i = text[i:end], end
            if legacy:
                # apk-tools 2 read a number right after the letter ("6.6.2p1", common in
                # older Alpine releases) as a plain number; apk-tools 3 calls it invalid
                # and would make all such versions equal. Compare them as apk 2 did.
                valid = False
                tokens.append((kind, (1, int(digits))))
                continue
            tokens.append((kind, _digit_value(kind, digits)))
        elif char == "_":
            if kind > _SUFFIX_NO:
                break
            end = i + 1
            while end < n and "a" <= text[end] <= "z":
                end += 1
            word, i = text[i + 1 : end], end
            value = _SUFFIX_P if word == "p" else _SUFFIXES.get(word)
            if value is None:
                break
            kind = _SUFFIX
            tokens.append((kind, value))
        elif char == "~":
            if kind >= _HASH:
                break
            end = i + 1
            while end < n and text[end] in _HEX:
                end += 1
            if end == i + 1:
                break
            kind = _HASH
            tokens.append((kind, text[i + 1 : end]))
            i = end
        elif char == "-":
            if kind >= _REVISION or not text.startswith("-r", i):
                break
            end = _digits_end(text, i + 2)
            if end == i + 2:
                break
            kind = _REVISION
            tokens.append((kind, int(text[i + 2 : end])))
            i = end
        else:
            break
    else:
        tokens.append((_END, None))
        return tokens, valid
    tokens.append((_INVALID, None))
    return tokens, False


def _digit_value(kind: int, digits: str) -> Any:
    """A number after a dot with a leading zero compares as a string, below the others."""
    if kind == _DIGIT and digits.startswith("0"):
        return (0, digits)
    if kind == _DIGIT:
        return (1, int(digits))
    return int(digits)


def is_valid(version: str) -> bool:
    """Whether apk-tools would accept ``version`` (``apk_version_validate``)."""
    return bool(version) and _tokens(version)[1]


def key(version: str) -> tuple[Any, ...]:
    """Sort key of an apk version; only the empty string raises."""
    if not version:
        raise InvalidVersionError(NAME, version, "version string is empty")
    ranked: list[tuple[Any, ...]] = []
    for kind, value in _tokens(version)[0]:
        if kind in (_END, _INVALID):
            ranked.append((_RANK[kind],))
        elif kind == _SUFFIX and value < _NONE:
            ranked.append((_PRE_SUFFIX_RANK, value))
        else:
            ranked.append((_RANK[kind], value))
    return tuple(ranked)


def compare_fuzzy(version: str, prefix: str) -> int:
    """apk's fuzzy comparison (the ``~`` of ``pkg~3.6``): 0 when ``version`` starts with
    ``prefix``'s tokens (``3.6.9 ~ 3.6``), else the order of the first difference."""
    for mine, theirs in zip(key(version), key(prefix), strict=False):
        if mine == theirs:
            if len(mine) == 1:  # both ended (or both turned invalid) here
                return 0
            continue
        if theirs == (_RANK[_END],):
            return 0
        return -1 if mine < theirs else 1
    return 0
