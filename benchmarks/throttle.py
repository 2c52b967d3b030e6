"""A loopback TCP proxy that behaves like a slow link: a bandwidth cap and a one-way delay.

It listens on 127.0.0.1 and forwards every connection to a target port on the same
machine. Each direction (up: client to target, down: target to client) is one link
shared by all connections, as one SSH tunnel or one home line is: a token bucket of
``rate_mbit`` per direction meters the bytes, then each chunk is held ``delay_ms``
before it is written on, so a round trip costs twice the delay. Reads stop while a
direction's bucket is empty, so the sender feels the link through TCP's own flow
control. Connections are set up at once, as through an SSH tunnel (``ssh -L``: the
browser connects to the local end), so only the bytes pay the delay, not a handshake.

As a script (runs until Ctrl-C)::

    .venv/bin/python benchmarks/throttle.py 8123                 # 50 Mbit/s, 20 ms
    .venv/bin/python benchmarks/throttle.py 8123 --port 9000 --rate-mbit 10 --delay-ms 50

then open the viewer's URL with the proxy's port instead of the server's.

As a library, from asyncio (``async with ThrottleProxy(8123) as proxy``) or from
synchronous code, which runs the proxy in a thread of its own::

    with throttled(8123, Link(rate_mbit=50, delay_ms=20)) as proxy:
        httpx.get(f"http://127.0.0.1:{proxy.port}/")

Standard library only, loopback only (it neither listens on nor forwards to any
other address), at most ``max_connections`` connections at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType

__all__ = ["Link", "LinkStats", "ThrottleProxy", "TokenBucket", "throttled"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Link:
    """What the link does to the bytes, the same in both directions.

    Attributes
    ----------
    rate_mbit : float
        Bandwidth per direction in Mbit/s (10^6 bits), shared by all connections.
    delay_ms : float
        One-way delay added to every chunk, in ms; a round trip costs twice this.
    chunk : int
        The largest piece read and metered at once, in bytes: small enough that
        connections sharing a direction interleave finely.
    burst : int
        Bytes an idle direction may send at once before the rate applies. It also
        absorbs the event loop waking late on a busy machine, which would
        otherwise lose the link's time.
    """

    rate_mbit: float = 50.0
    delay_ms: float = 20.0
    chunk: int = 16 * 1024
    burst: int = 64 * 1024

    @property
    def bytes_per_s(self) -> float:
        """The rate in bytes per second."""
        return self.rate_mbit * 1e6 / 8


@dataclass
class LinkStats:
    """Counters of a proxy since it started (read them after the traffic has ended)."""

    connections: int = 0
    refused: int = 0
    bytes_up: int = 0
    bytes_down: int = 0


class TokenBucket:
    """Bytes per second for everyone taking from it, first come first served.

    Parameters
    ----------
    rate : float
        Bytes per second.
    burst : int
        The bucket's size: what an idle bucket lets through without waiting.
    """

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate = rate
        self.burst = float(burst)
        self._tokens = float(burst)
        self._last: float | None = None
        self._lock = asyncio.Lock()

    async def take(self, n: int) -> None:
        """Wait until `n` bytes may pass.

        The lock is held while waiting, so takers are served in order and the
        bytes of all connections add up to the rate.
        """
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if self._last is not None:
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            # The balance may go negative (a chunk larger than what is left): the
            # sleep pays the debt, and the next refill starts from it.
            self._tokens -= n
            if self._tokens < 0:
                await asyncio.sleep(-self._tokens / self.rate)


def _require_loopback(host: str) -> None:
    if host == "localhost":
        return
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"{host} is not a loopback address: the proxy stays on this machine")


@dataclass
class ThrottleProxy:
    """An asyncio TCP proxy from 127.0.0.1:`port` to `target_host`:`target_port` over a `link`.

    Parameters
    ----------
    target_port : int
        The port connections are forwarded to.
    link : Link
        The rate and delay of each direction.
    port : int
        The port to listen on; 0 picks a free one (read :attr:`port` after start).
    target_host : str
        A loopback address.
    max_connections : int
        Connections beyond this many at once are closed at once (counted in
        ``stats.refused``).
    """

    target_port: int
    link: Link = field(default_factory=Link)
    port: int = 0
    target_host: str = HOST
    max_connections: int = 64
    stats: LinkStats = field(default_factory=LinkStats)

    def __post_init__(self) -> None:
        _require_loopback(self.target_host)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Listen and return the port."""
        self._up = TokenBucket(self.link.bytes_per_s, self.link.burst)
        self._down = TokenBucket(self.link.bytes_per_s, self.link.burst)
        self._server = await asyncio.start_server(self._accept, HOST, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening and drop every connection still open."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> ThrottleProxy:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._tasks) >= self.max_connections:
            self.stats.refused += 1
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.stats.connections += 1
        try:
            await self._connection(reader, writer)
        except asyncio.CancelledError:
            # close() cancelled it. This task is the top of the connection, and
            # asyncio.streams (3.11) would log a cancelled one as an error.
            pass
        finally:
            self._tasks.discard(task)

    async def _connection(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_w.close()
            return
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._pipe(client_r, server_w, self._up, "bytes_up"))
                group.create_task(self._pipe(server_r, client_w, self._down, "bytes_down"))
        except* OSError:
            pass  # one side reset the connection: drop both
        finally:
            for w in (client_w, server_w):
                w.close()
                with contextlib.suppress(OSError):
                    await w.wait_closed()

    async def _pipe(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        bucket: TokenBucket,
        counter: str,
    ) -> None:
        """Copy one direction: meter each chunk, then deliver it `delay_ms` later."""
        loop = asyncio.get_running_loop()
        delay = self.link.delay_ms / 1000
        # Chunks in flight (the bandwidth-delay product is ~125 KB at 50 Mbit/s and
        # 20 ms); bounded so a receiver that stops reading stops the sender too.
        in_flight: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue(maxsize=64)

        async def deliver() -> None:
            while (item := await in_flight.get()) is not None:
                due, data = item
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                dst.write(data)
                await dst.drain()
            # The sender closed its side: pass the half-close on (HTTP may still answer).
            if dst.can_write_eof():
                with contextlib.suppress(OSError):
                    dst.write_eof()

        async def read() -> None:
            while data := await src.read(self.link.chunk):
                await bucket.take(len(data))
                setattr(self.stats, counter, getattr(self.stats, counter) + len(data))
                await in_flight.put((loop.time() + delay, data))
            await in_flight.put(None)

        async with asyncio.TaskGroup() as group:
            group.create_task(read())
            group.create_task(deliver())


@contextlib.contextmanager
def throttled(
    target_port: int, link: Link | None = None, *, port: int = 0
) -> Iterator[ThrottleProxy]:
    """Run a :class:`ThrottleProxy` on an event loop in a thread, for synchronous callers.

    Yields the started proxy (its :attr:`~ThrottleProxy.port` is set); on exit the
    proxy closes its connections and the thread ends.
    """
    proxy = ThrottleProxy(target_port, link or Link(), port=port)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="throttle-proxy", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(proxy.start(), loop).result(timeout=10)
        try:
            yield proxy
        finally:
            asyncio.run_coroutine_threadsafe(proxy.close(), loop).result(timeout=10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


async def _serve_forever(target: int, link: Link, port: int) -> None:
    async with ThrottleProxy(target, link, port=port) as proxy:
        print(
            f"127.0.0.1:{proxy.port} -> 127.0.0.1:{target} at {link.rate_mbit:g} Mbit/s "
            f"per direction, {link.delay_ms:g} ms one way (Ctrl-C stops)",
            flush=True,
        )
        try:
            await asyncio.Event().wait()
        finally:
            s = proxy.stats
            print(
                f"{s.connections} connections, {s.bytes_up:,} bytes up, "
                f"{s.bytes_down:,} bytes down",
                flush=True,
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=int, help="the port on 127.0.0.1 to forward to")
    parser.add_argument("--port", type=int, default=0, help="the port to listen on (0: any)")
    parser.add_argument("--rate-mbit", type=float, default=Link.rate_mbit)
    parser.add_argument("--delay-ms", type=float, default=Link.delay_ms)
    args = parser.parse_args(argv)
    link = Link(rate_mbit=args.rate_mbit, delay_ms=args.delay_ms)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(args.target, link, args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
