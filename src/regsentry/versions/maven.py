"""Maven versions, ordered as Maven 3.8.7's ``ComparableVersion`` orders them.

Reference: ``org.apache.maven.artifact.versioning.ComparableVersion`` of Maven 3.8.7, the
``maven-artifact`` that Debian 12 ships (``libmaven3-core-java``) and that the tests run
as the oracle. Maven 3.9 changed the class again (``X-1`` read as ``X1``, combined
items); versions that the two orders disagree on are rare (19 of OSV's 14,853 fixture
comparisons, listed in the tests) and all have odd shapes such as ``1.2.8.sec10``.

Parsing (case-insensitive): ``.`` and ``-`` separate items, and so does every switch
between digits and letters. ``-``, a digit/letter switch, and a qualifier at the end of
the version each open a *sub-list* that holds everything after it, so a version is a
chain: ``1.0-alpha-1`` is ``[1, [alpha, [1]]]``. Trailing "null" items (``0``, an empty
qualifier, ``ga``/``final``/``release``, empty sub-lists) are dropped, as are null items
just before a sub-list: ``1.0.0-1 == 1-1``. Single letters followed by a digit are
aliases (``a1 == alpha-1``, ``b``, ``m``), and ``cr == rc``.

Order at one place: a number beats a sub-list, which beats a qualifier; numbers compare
numerically; known qualifiers ``alpha < beta < milestone < rc < snapshot < (release) <
sp``, then unknown ones in lexical order. Where one version has run out, the other's
remaining items are weighed against "nothing": ``1.0.1 > 1``, ``1-SNAPSHOT < 1``,
``1-sp > 1``.

The key: the chain is flattened into tokens (a sub-list becomes a marker token), and each
token carries the sign of "the rest of this version against nothing", so that a version
that has run out (the key's terminator) sorts where Maven puts it. Maven's order is not
transitive in a few odd cases (``1.sp.1 < 1-alpha < 1 < 1.sp.1``); there the key, which
must be a total order, follows the "against nothing" rule.
"""

from __future__ import annotations

from typing import Any

from regsentry.versions.errors import InvalidVersionError

NAME = "maven"

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_SHORT = {"a": "alpha", "b": "beta", "m": "milestone"}
_RELEASE_ORDER = str(_QUALIFIERS.index(""))

# Token ranks at one place: qualifier < sub-list < number.
_QUALIFIER, _SUBLIST, _NUMBER = range(3)


class _List(list["_Item"]):
    """A (sub-)list of items; a distinct type so that it is told apart from the rest."""


# A number (int), a qualifier (str, already through the aliases) or a sub-list.
_Item = int | str | _List


def _qualifier(text: str, followed_by_digit: bool) -> str:
    if followed_by_digit and text in _SHORT:
        text = _SHORT[text]
    return _ALIASES.get(text, text)


def _comparable(qualifier: str) -> str:
    """Maven's ``comparableQualifier``: known ones by position, unknown ones after them."""
    if qualifier in _QUALIFIERS:
        return str(_QUALIFIERS.index(qualifier))
    return f"{len(_QUALIFIERS)}-{qualifier}"


def _item(text: str, is_digit: bool) -> _Item:
    return int(text) if is_digit else _qualifier(text, followed_by_digit=False)


def _is_null(item: _Item) -> bool:
    if isinstance(item, _List):
        return not item
    return item == 0 or item == ""


def _normalize(items: _List) -> None:
    """Drop null items from the end, looking past sub-lists (Maven's ``normalize``)."""
    for i in range(len(items) - 1, -1, -1):
        if _is_null(items[i]):
            del items[i]
        elif not isinstance(items[i], _List):
            break


def _parse(version: str) -> _List:
    text = version.lower()
    top = current = _List()
    lists = [top]

    def descend() -> None:
        nonlocal current
        sub = _List()
        current.append(sub)
        current = sub
        lists.append(sub)

    is_digit = False
    start = 0
    for i, char in enumerate(text):
        if char in ".-":
            current.append(0 if i == start else _item(text[start:i], is_digit))
            start = i + 1
            if char == "-":
                descend()
        elif "0" <= char <= "9":
            if not is_digit and i > start:
                # Letters then a digit: the qualifier gets a sub-list of its own, as
                # ".X" is read as "-X" for every qualifier X (1.0.0.X1 < 1.0.0-X2).
                if current:
                    descend()
                current.append(_qualifier(text[start:i], followed_by_digit=True))
                start = i
                descend()
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(int(text[start:i]))
                start = i
                descend()
            is_digit = False
    if len(text) > start:
        if not is_digit and current:
            descend()
        current.append(_item(text[start:], is_digit))
    for items in reversed(lists):
        _normalize(items)
    return top


def _tokens(items: _List) -> list[tuple[Any, ...]]:
    """The chain flattened: each sub-list is the last item of its parent."""
    tokens: list[tuple[Any, ...]] = []
    for item in items:
        if isinstance(item, _List):
            tokens.append((_SUBLIST,))
            tokens.extend(_tokens(item))
        elif isinstance(item, int):
            tokens.append((_NUMBER, item))
        else:
            tokens.append((_QUALIFIER, _comparable(item)))
    return tokens


def _against_nothing(token: tuple[Any, ...]) -> int:
    """How one token compares with a version that has run out (0: look further)."""
    if token[0] == _NUMBER:
        return 1 if token[1] else 0
    if token[0] == _QUALIFIER:
        order: str = token[1]
        return (order > _RELEASE_ORDER) - (order < _RELEASE_ORDER)
    return 0


def key(version: str) -> tuple[Any, ...]:
    """Sort key of a Maven version; every non-empty string is one."""
    if not version:
        raise InvalidVersionError(NAME, version, "version string is empty")
    tokens = _tokens(_parse(version))
    keyed: list[tuple[Any, ...]] = []
    sign = 0
    for token in reversed(tokens):
        sign = _against_nothing(token) or sign
        keyed.append((sign, *token))
    keyed.reverse()
    keyed.append((0,))
    return tuple(keyed)
