"""The registry client against scripted servers: the misbehaviour real registries show
only on bad days (retries, rate limits, endless pages, huge answers, bad blobs)."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from regsentry.model.digest import Digest
from regsentry.model.registry_address import RegistryAddress
from regsentry.registry.client import ClientOptions, RegistryClient
from regsentry.registry.errors import (
    BlobIntegrityError,
    NotARegistryError,
    NotFoundError,
    PagingError,
    RateLimitedError,
    RegistryProtocolError,
    RegistryServerError,
    RegistryUnreachableError,
    ResponseTooLargeError,
)
from regsentry.registry.limits import Limits
from regsentry.registry.manifest import Descriptor
from regsentry.registry.transport import RetryPolicy
from tests.support.fake_server import FakeServer, Reply, Request, v2_root
from tests.support.images import build_image
from tests.support.ports import free_port


class Sleeps:
    """Records the backoff delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def connect(
    server: FakeServer, sleeps: Sleeps | None = None, **options: object
) -> RegistryClient:
    return await RegistryClient.connect(
        RegistryAddress.parse(f"http://{server.address}"),
        ClientOptions(**options),  # type: ignore[arg-type]
        sleep=sleeps or Sleeps(),
    )


def routes(table: dict[str, Reply]) -> FakeServer:
    def handler(request: Request) -> Reply:
        return v2_root(request) or table.get(request.path, Reply(404))

    return FakeServer(handler)


async def test_5xx_is_retried_with_backoff_then_succeeds() -> None:
    answers = iter([Reply(503), Reply(502), Reply(200, body=b'{"tags": ["a"]}')])
    with FakeServer(lambda r: v2_root(r) or next(answers)) as server:
        sleeps = Sleeps()
        async with await connect(server, sleeps) as client:
            assert await client.tags("x/y") == ["a"]
    assert len(sleeps.delays) == 2
    assert sleeps.delays[0] < sleeps.delays[1] * 2  # growing, with jitter


async def test_5xx_forever_gives_up_after_the_attempts() -> None:
    with FakeServer(lambda r: v2_root(r) or Reply(500)) as server:
        async with await connect(server, retry=RetryPolicy(attempts=3)) as client:
            with pytest.raises(RegistryServerError, match="500 from registry"):
                await client.tags("x/y")
        assert server.paths().count("/v2/x/y/tags/list?n=1000") == 3


async def test_429_honours_retry_after() -> None:
    answers = iter([Reply(429, {"Retry-After": "7"}), Reply(200, body=b'{"tags": []}')])
    with FakeServer(lambda r: v2_root(r) or next(answers)) as server:
        sleeps = Sleeps()
        async with await connect(server, sleeps) as client:
            assert await client.tags("x/y") == []
    assert sleeps.delays == [7.0]


async def test_429_with_an_unreasonable_retry_after_fails_at_once() -> None:
    with FakeServer(lambda r: v2_root(r) or Reply(429, {"Retry-After": "86400"})) as server:
        sleeps = Sleeps()
        async with await connect(server, sleeps) as client:
            with pytest.raises(RateLimitedError, match="retry after 86400"):
                await client.tags("x/y")
    assert sleeps.delays == []


async def test_404_is_not_retried_and_names_what_was_missing() -> None:
    body = json.dumps(
        {"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known"}]}
    )
    with FakeServer(lambda r: v2_root(r) or Reply(404, body=body.encode())) as server:
        async with await connect(server) as client:
            with pytest.raises(NotFoundError) as raised:
                await client.tags("x/y")
        assert server.paths().count("/v2/x/y/tags/list?n=1000") == 1
    message = str(raised.value)
    assert "x/y" in message
    assert "NAME_UNKNOWN" in message
    assert server.address in message


async def test_connection_refused_is_unreachable_after_retries() -> None:
    sleeps = Sleeps()
    with pytest.raises(RegistryUnreachableError, match="cannot connect"):
        await RegistryClient.connect(
            RegistryAddress.parse(f"http://127.0.0.1:{free_port()}"),
            ClientOptions(retry=RetryPolicy(attempts=3)),
            sleep=sleeps,
        )
    assert len(sleeps.delays) == 2


async def test_unknown_host_fails_fast() -> None:
    sleeps = Sleeps()
    with pytest.raises(RegistryUnreachableError, match="not found"):
        await RegistryClient.connect(
            RegistryAddress.parse("http://registry.invalid"), ClientOptions(), sleep=sleeps
        )
    assert sleeps.delays == []


@pytest.mark.parametrize(
    "reply",
    [
        Reply(404, body=b"<html>not found</html>"),
        Reply(200, {"Content-Type": "text/html"}, b"<html>welcome</html>"),
    ],
)
async def test_a_web_server_is_not_a_registry(reply: Reply) -> None:
    with (
        FakeServer(lambda _r: reply) as server,
        pytest.raises(NotARegistryError, match="Docker Registry v2 API"),
    ):
        await connect(server)


def _paged_tags(total: int) -> FakeServer:
    """Tags t000… served ``n`` at a time after ``last``, linked with relative Links."""
    names = [f"t{i:03d}" for i in range(total)]

    def handler(request: Request) -> Reply:
        if root := v2_root(request):
            return root
        query = parse_qs(urlparse(request.path).query)
        size = int(query["n"][0])
        last = query.get("last", [""])[0]
        start = names.index(last) + 1 if last else 0
        page = names[start : start + size]
        headers = {"Content-Type": "application/json"}
        if start + size < len(names):
            headers["Link"] = f'</v2/x/y/tags/list?n={size}&last={page[-1]}>; rel="next"'
        return Reply(200, headers, json.dumps({"name": "x/y", "tags": page}).encode())

    return FakeServer(handler)


async def test_tag_paging_follows_links_to_the_end() -> None:
    with _paged_tags(23) as server:
        async with await connect(server, page_size=5) as client:
            tags = await client.tags("x/y")
        assert len(server.paths()) == 1 + 5  # /v2/ and five pages
    assert tags == [f"t{i:03d}" for i in range(23)]


async def test_paging_that_repeats_itself_is_stopped() -> None:
    def handler(request: Request) -> Reply:
        return v2_root(request) or Reply(
            200,
            {"Link": '</v2/_catalog?n=2&last=b>; rel="next"'},
            b'{"repositories": ["a", "b"]}',
        )

    with FakeServer(handler) as server:
        async with await connect(server) as client:
            with pytest.raises(PagingError, match="in a loop"):
                await client.catalog()
        assert len(server.paths()) <= 4


async def test_paging_forever_with_new_links_hits_the_page_cap() -> None:
    counter = iter(range(10**9))

    def handler(request: Request) -> Reply:
        page = next(counter)
        return v2_root(request) or Reply(
            200,
            {"Link": f'</v2/_catalog?n=1&last=r{page}>; rel="next"'},
            json.dumps({"repositories": [f"r{page}"]}).encode(),
        )

    with FakeServer(handler) as server:
        async with await connect(server, limits=Limits(listing_pages=50)) as client:
            with pytest.raises(PagingError, match="over 50 pages"):
                await client.catalog()


async def test_next_link_to_another_origin_is_refused() -> None:
    with FakeServer(
        lambda r: (
            v2_root(r)
            or Reply(
                200,
                {"Link": '<http://evil.example/v2/_catalog?n=1&last=a>; rel="next"'},
                b'{"repositories": ["a"]}',
            )
        )
    ) as server:
        async with await connect(server) as client:
            with pytest.raises(PagingError, match="another origin"):
                await client.catalog()


async def test_a_declared_huge_manifest_is_refused_before_reading() -> None:
    def endless() -> Iterator[bytes]:
        chunk = b" " * 65536
        while True:
            yield chunk

    with FakeServer(
        lambda r: v2_root(r) or Reply(200, {"Content-Length": str(2 * 1024**3)}, endless())
    ) as server:
        async with await connect(server) as client:
            with pytest.raises(ResponseTooLargeError, match="2,147,483,648 bytes"):
                await client.manifest("x/y", "latest")


async def test_an_undeclared_endless_manifest_stops_at_the_cap() -> None:
    sent = 0

    def endless() -> Iterator[bytes]:
        nonlocal sent
        chunk = b" " * 65536
        while sent < 1024**3:
            sent += len(chunk)
            yield chunk

    with FakeServer(lambda r: v2_root(r) or Reply(200, {}, endless())) as server:
        async with await connect(server, limits=Limits(manifest_bytes=1024 * 1024)) as client:
            with pytest.raises(ResponseTooLargeError, match="over the 1,048,576-byte cap"):
                await client.manifest("x/y", "latest")
    assert sent < 64 * 1024 * 1024


async def test_manifest_not_matching_its_digest_is_rejected() -> None:
    image = build_image()
    wrong = Digest.of(b"something else")
    with routes(
        {
            f"/v2/x/y/manifests/{wrong}": Reply(
                200, {"Content-Type": image.manifest.media_type}, image.manifest.data
            )
        }
    ) as server:
        async with await connect(server) as client:
            with pytest.raises(BlobIntegrityError, match="does not match its digest"):
                await client.manifest("x/y", wrong)


async def test_manifest_not_matching_docker_content_digest_is_rejected() -> None:
    image = build_image()
    with routes(
        {
            "/v2/x/y/manifests/t": Reply(
                200,
                {
                    "Content-Type": image.manifest.media_type,
                    "Docker-Content-Digest": str(Digest.of(b"other")),
                },
                image.manifest.data,
            )
        }
    ) as server:
        async with await connect(server) as client:
            with pytest.raises(BlobIntegrityError):
                await client.manifest("x/y", "t")


async def test_unsupported_manifest_media_type_is_a_protocol_error() -> None:
    with routes(
        {
            "/v2/x/y/manifests/t": Reply(
                200,
                {"Content-Type": "application/x-weird"},
                b'{"schemaVersion": 2, "mediaType": "application/x-weird"}',
            )
        }
    ) as server:
        async with await connect(server) as client:
            with pytest.raises(RegistryProtocolError, match="x-weird"):
                await client.manifest("x/y", "t")


def _layer() -> tuple[bytes, Descriptor]:
    data = b"layer bytes " * 1000
    return data, Descriptor("application/octet-stream", Digest.of(data), len(data))


async def _read(client: RegistryClient, descriptor: Descriptor) -> bytes:
    return b"".join([chunk async for chunk in client.blob("x/y", descriptor)])


async def test_blob_stream_is_verified() -> None:
    data, descriptor = _layer()
    with routes({f"/v2/x/y/blobs/{descriptor.digest}": Reply(200, body=data)}) as server:
        async with await connect(server) as client:
            assert await _read(client, descriptor) == data


async def test_blob_sent_compressed_anyway_is_decoded_before_the_digest_check() -> None:
    # identity is asked for; a server (or a CDN before it) may still gzip the transfer.
    data, descriptor = _layer()
    reply = Reply(200, {"Content-Encoding": "gzip"}, gzip.compress(data))
    with routes({f"/v2/x/y/blobs/{descriptor.digest}": reply}) as server:
        async with await connect(server) as client:
            assert await _read(client, descriptor) == data


async def test_blob_arriving_in_many_pieces_is_whole_and_verified() -> None:
    data, descriptor = _layer()
    pieces = [data[start : start + 700] for start in range(0, len(data), 700)]
    with routes({f"/v2/x/y/blobs/{descriptor.digest}": Reply(200, body=pieces)}) as server:
        async with await connect(server) as client:
            assert await _read(client, descriptor) == data


async def test_blob_with_wrong_bytes_fails() -> None:
    data, descriptor = _layer()
    corrupt = data[:-1] + b"X"
    with routes({f"/v2/x/y/blobs/{descriptor.digest}": Reply(200, body=corrupt)}) as server:
        async with await connect(server) as client:
            with pytest.raises(BlobIntegrityError, match="does not match its digest"):
                await _read(client, descriptor)


async def test_truncated_blob_fails() -> None:
    data, descriptor = _layer()
    with routes({f"/v2/x/y/blobs/{descriptor.digest}": Reply(200, body=data[:500])}) as server:
        async with await connect(server) as client:
            with pytest.raises(BlobIntegrityError, match="truncated"):
                await _read(client, descriptor)


async def test_blob_longer_than_declared_fails() -> None:
    data, descriptor = _layer()
    with routes({f"/v2/x/y/blobs/{descriptor.digest}": Reply(200, body=data + b"more")}) as server:
        async with await connect(server) as client:
            with pytest.raises(BlobIntegrityError, match="longer than"):
                await _read(client, descriptor)


async def test_connection_cut_mid_blob_is_an_error_not_a_short_read() -> None:
    data, descriptor = _layer()

    def cut() -> Iterator[bytes]:
        yield data[:1000]
        raise ConnectionResetError

    with routes(
        {
            f"/v2/x/y/blobs/{descriptor.digest}": Reply(
                200, {"Content-Length": str(len(data))}, cut()
            )
        }
    ) as server:
        async with await connect(server) as client:
            with pytest.raises(RegistryProtocolError, match="closed connection") as raised:
                await _read(client, descriptor)
    assert f"blob {descriptor.digest.short} of x/y" in str(raised.value)


async def test_concurrency_limit_is_respected() -> None:
    release = threading.Event()

    def handler(request: Request) -> Reply:
        if root := v2_root(request):
            return root
        release.wait(0.1)  # hold each request so that they overlap
        return Reply(200, body=b'{"tags": []}')

    with FakeServer(handler) as server:
        async with await connect(server, concurrency=3) as client:
            await asyncio.gather(*(client.tags(f"r/{i}") for i in range(12)))
        assert server.max_in_flight == 3
