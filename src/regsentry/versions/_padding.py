"""Sort keys for sequences compared as if padded with "zero" items.

Many schemes compare two lists item by item and treat the shorter one as continuing with
zeros (RubyGems ``1 == 1.0``, dpkg's empty trailing parts, ``1 > 1.a``). A plain tuple
cannot say that: Python orders a prefix before any longer tuple. :func:`padded_key` turns
such a list into a tuple whose ordinary order *is* the padded order, so that every scheme
can hand out plain, hashable, totally ordered tuples as keys.

How: trailing zeros are dropped (they change nothing), every run of ``k`` zeros is merged
with the item that ends it into one group, and the end is marked by a terminator that
stands for "zeros for ever". A group whose item is above zero sorts above the terminator
(and the fewer zeros before it, the higher); one whose item is below zero sorts below it
(and the more zeros before it, the higher).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_BELOW, _END, _ABOVE = 0, 1, 2


def padded_key(items: Iterable[tuple[Any, ...]], zero: tuple[Any, ...]) -> tuple[Any, ...]:
    """The key of ``items`` compared item by item, the shorter padded with ``zero``.

    Every item must be comparable with ``zero`` and with every other item.
    """
    listed = list(items)
    while listed and listed[-1] == zero:
        listed.pop()
    groups: list[tuple[Any, ...]] = []
    run = 0
    for item in listed:
        if item == zero:
            run += 1
            continue
        groups.append((_ABOVE, -run, item) if item > zero else (_BELOW, run, item))
        run = 0
    groups.append((_END,))
    return tuple(groups)
