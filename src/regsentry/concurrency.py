"""Small asyncio helpers shared by the planner and the indexer: a bounded concurrent map
and a memo of in-flight lookups."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


async def map_concurrently(
    function: Callable[[T], Awaitable[R]], items: Iterable[T], *, limit: int
) -> list[R]:
    """``[await function(item) for item in items]``, at most ``limit`` at a time, in order.

    A fixed pool of workers keeps memory flat however many items there are (a registry
    may hold hundreds of thousands of tags).
    """
    pending = list(enumerate(items))
    results: list[R | None] = [None] * len(pending)
    queue = iter(pending)

    async def worker() -> None:
        for index, item in queue:
            results[index] = await function(item)

    async with asyncio.TaskGroup() as group:
        for _ in range(max(1, min(limit, len(pending)))):
            group.create_task(worker())
    return results  # type: ignore[return-value]  # every slot was filled


class Memo(Generic[K, R]):
    """Remembers the outcome (value or exception) of one lookup per key.

    Concurrent callers asking for the same key share one in-flight request, so two tags
    pointing at the same manifest or config fetch it once.
    """

    def __init__(self) -> None:
        self._futures: dict[K, asyncio.Future[R]] = {}

    async def get(self, key: K, lookup: Callable[[], Awaitable[R]]) -> R:
        """The value for ``key``, looked up on first request."""
        future = self._futures.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._futures[key] = future
            try:
                future.set_result(await lookup())
            except Exception as exc:  # remembered and re-raised to every caller
                future.set_exception(exc)
            except BaseException:  # cancelled: forget, so waiters do not hang
                del self._futures[key]
                future.cancel()
                raise
        return await asyncio.shield(future)
