"""One layer, one pass: stream the blob, decompress, walk the tar, analyze the files.

Decompression and tar walking are CPU work, so they run in a worker thread fed through a
small bounded queue while the event loop keeps downloading: the two overlap, memory stays
at a few chunks, and a slow consumer slows the download instead of buffering it. The
blob's digest is checked by the registry client as the last chunk arrives; nothing from a
layer is used unless the whole blob was verified.

The result (:class:`LayerAnalysis`) depends only on the layer's bytes and the analyzers'
ids and versions, so it can be cached under :func:`cache_key`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import queue
import threading
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from regsentry.analyzer.base import Analyzer, AnalyzerError, FileAnalysis
from regsentry.indexer.decompress import DecompressionLimits, Decompressor, open_decompressor
from regsentry.indexer.errors import LayerError
from regsentry.indexer.tar_stream import EntryKind, TarEntry, TarStream
from regsentry.model.digest import Digest

#: Compressed bytes handed to the worker thread at once, and batches queued at most.
_BATCH_BYTES = 1024 * 1024
_QUEUE_BATCHES = 8
WHITEOUT_PREFIX = ".wh."
OPAQUE_WHITEOUT = ".wh..wh..opq"


@dataclass(frozen=True)
class LayerFile:
    """What one analyzer made of one file of the layer (or why it could not)."""

    analyzer: str
    path: str
    analysis: FileAnalysis = field(default_factory=FileAnalysis)
    error: str | None = None


@dataclass(frozen=True)
class LayerLink:
    """A wanted path that is a link: ``target`` is normalised from the image root."""

    path: str
    target: str
    analyzers: tuple[str, ...]
    hard: bool = False


@dataclass(frozen=True)
class LayerAnalysis:
    """Everything the overlay needs from one layer."""

    digest: Digest
    files: tuple[LayerFile, ...] = ()
    links: tuple[LayerLink, ...] = ()
    whiteouts: tuple[str, ...] = ()
    opaque_dirs: tuple[str, ...] = ()
    entries: int = 0


def analyzers_key(analyzers: Sequence[Analyzer]) -> str:
    """A short, stable name for a set of analyzer ids and versions."""
    versions = ",".join(f"{a.id}@{a.version}" for a in sorted(analyzers, key=lambda a: a.id))
    return hashlib.sha256(versions.encode()).hexdigest()[:16]


def cache_key(digest: Digest, analyzers: Sequence[Analyzer]) -> str:
    """(layer digest, every analyzer's id and version): change either, and it is redone."""
    return f"{digest}|{analyzers_key(analyzers)}"


def resolve_link(path: str, target: str) -> str:
    """Where a symlink at ``path`` points, from the image root; ``..`` stops at the root."""
    base = [] if target.startswith("/") else path.split("/")[:-1]
    for part in target.split("/"):
        if part == "..":
            if base:
                base.pop()
        elif part not in ("", "."):
            base.append(part)
    return "/".join(base)


class LayerWalker:
    """Consumes one layer's compressed bytes (in a worker thread) and analyzes it."""

    def __init__(
        self,
        digest: Digest,
        analyzers: Sequence[Analyzer],
        *,
        limits: DecompressionLimits,
    ) -> None:
        self._digest = digest
        self._analyzers = analyzers
        # Asked for every member of the layer: bound once here.
        self._requirements = tuple((a.required, a.max_file_bytes) for a in analyzers)
        self._limits = limits
        self._what = f"layer {digest.short}"
        self._decompressor: Decompressor | None = None
        self._tar = TarStream(self._wanted, self._visit)
        self._captured: list[tuple[TarEntry, bytes]] = []
        self._links: list[LayerLink] = []
        self._whiteouts: list[str] = []
        self._opaque: list[str] = []

    @property
    def digest(self) -> Digest:
        """The layer's digest."""
        return self._digest

    def feed(self, chunk: bytes) -> None:
        """Decompress one chunk of the blob and walk the tar it continues."""
        if self._decompressor is None:
            self._decompressor = open_decompressor(
                chunk[:8], self._tar.feed, what=self._what, limits=self._limits
            )
        self._decompressor.feed(chunk)

    def finish(self) -> LayerAnalysis:
        """The blob ended: check the compressed stream and the archive were complete, then
        run the analyzers on the captured files."""
        if self._decompressor is None:
            raise LayerError(f"{self._what} is empty")
        self._decompressor.finish()
        try:
            self._tar.close()
        except LayerError as exc:
            raise LayerError(f"{self._what}: {exc}") from exc
        files = [
            self._analyze(analyzer, entry.path, body)
            for entry, body in self._captured
            for analyzer in self._analyzers
            if analyzer.required(entry.path)
        ]
        return LayerAnalysis(
            digest=self._digest,
            files=tuple(files),
            links=tuple(self._links),
            whiteouts=tuple(self._whiteouts),
            opaque_dirs=tuple(self._opaque),
            entries=self._tar.entries,
        )

    def _wanted(self, entry: TarEntry) -> int | None:
        """The largest cap of the analyzers that need this file, or None (skip it)."""
        path = entry.path
        wanted: int | None = None
        for required, cap in self._requirements:
            if required(path) and (wanted is None or cap > wanted):
                wanted = cap
        return wanted

    def _visit(self, entry: TarEntry, body: bytes | None) -> None:
        directory, _, name = entry.path.rpartition("/")
        if name.startswith(WHITEOUT_PREFIX):
            if name == OPAQUE_WHITEOUT:
                self._opaque.append(directory)
            else:
                hidden = name[len(WHITEOUT_PREFIX) :]
                self._whiteouts.append(f"{directory}/{hidden}" if directory else hidden)
            return
        if body is not None:
            self._captured.append((entry, body))
            return
        if entry.kind in (EntryKind.SYMLINK, EntryKind.HARDLINK):
            claimed = tuple(a.id for a in self._analyzers if a.required(entry.path))
            if claimed:
                hard = entry.kind is EntryKind.HARDLINK
                target = entry.link if hard else resolve_link(entry.path, entry.link)
                self._links.append(LayerLink(entry.path, target, claimed, hard))

    def _analyze(self, analyzer: Analyzer, path: str, body: bytes) -> LayerFile:
        try:
            return LayerFile(analyzer.id, path, analyzer.analyze(path, body))
        except AnalyzerError as exc:
            return LayerFile(analyzer.id, path, error=str(exc))


async def walk_layer(
    chunks: AsyncIterator[bytes], walker: LayerWalker, executor: Executor
) -> LayerAnalysis:
    """Download one layer while a worker thread decompresses and walks it.

    The event loop downloads (and the registry client verifies the digest); one worker
    thread inflates and walks the tar, fed through a small bounded queue, so memory stays
    at a few MiB whatever the layer size and a slow walker slows the download instead
    of buffering it. Inflating and walking share one thread on purpose: as separate
    stages they overlapped no better (the walk holds the GIL, the inflater has to win it
    back for every piece) and cost a hand-off per piece.

    If the walk fails (corrupt archive, a cap exceeded) the download stops at once; if the
    download fails (digest mismatch, connection lost) the partial work is discarded.
    Either way the error is raised and nothing partial is returned.
    """
    loop = asyncio.get_running_loop()
    batches: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=_QUEUE_BATCHES)
    failed = threading.Event()

    def walk_stage() -> LayerAnalysis:
        failure: BaseException | None = None
        while (batch := batches.get()) is not None:
            if failure is None:
                try:
                    for chunk in batch:
                        walker.feed(chunk)
                except BaseException as exc:  # keep draining so the producer never blocks
                    failure = exc
                    failed.set()
        if failure is not None:
            raise failure
        return walker.finish()

    async def put(item: list[bytes] | None) -> None:
        try:
            batches.put_nowait(item)
        except queue.Full:
            await asyncio.to_thread(batches.put, item)

    walking = loop.run_in_executor(executor, walk_stage)
    batch: list[bytes] = []
    batched = 0
    try:
        async for chunk in chunks:
            if failed.is_set():
                break
            if chunk:
                # The socket's pieces are handed over in batches of about a MiB: one
                # hand-off per piece would wake the worker thread hundreds of times more.
                batch.append(chunk)
                batched += len(chunk)
                if batched >= _BATCH_BYTES:
                    await put(batch)
                    batch, batched = [], 0
        if batch and not failed.is_set():
            await put(batch)
    except BaseException:
        await put(None)
        with contextlib.suppress(BaseException):
            await walking
        raise
    await put(None)
    return await walking
