"""The planner's asyncio helpers."""

from __future__ import annotations

import asyncio

import pytest

from regsentry.concurrency import Memo, map_concurrently


async def test_map_concurrently_keeps_order_and_limit() -> None:
    running = 0
    peak = 0

    async def work(item: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001 * (item % 3))
        running -= 1
        return item * 2

    assert await map_concurrently(work, range(20), limit=4) == [i * 2 for i in range(20)]
    assert peak == 4
    assert await map_concurrently(work, [], limit=4) == []


async def test_memo_shares_one_lookup_and_remembers_errors() -> None:
    memo: Memo[str, int] = Memo()
    calls = 0

    async def lookup() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.001)
        return 42

    assert await asyncio.gather(*(memo.get("k", lookup) for _ in range(5))) == [42] * 5
    assert calls == 1

    async def failing() -> int:
        raise ValueError("nope")

    for _ in range(2):
        with pytest.raises(ValueError, match="nope"):
            await memo.get("bad", failing)
