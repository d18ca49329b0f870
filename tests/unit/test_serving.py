"""hwctl.serving's sockets, in-process: one listening socket per worker in one SO_REUSEPORT
group, refused when another program holds the port, and made so that asyncio turns Nagle's
algorithm off on the connections they accept (TCP_NODELAY). Without it a response's last segment
waited for the client's delayed ACK and 2 workers served half the requests (measured with
scripts/bench_api.py: GET ~600 req/s, then ~1,000 with it)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from hwctl import serving


def test_one_listening_socket_per_worker_on_one_port() -> None:
    sockets = serving.bind_sockets("127.0.0.1", 0, 1)
    port = sockets[0].getsockname()[1]
    sockets[0].close()
    sockets = serving.bind_sockets("127.0.0.1", port, 3)
    try:
        assert len({s.fileno() for s in sockets}) == 3
        assert {s.getsockname() for s in sockets} == {("127.0.0.1", port)}
        for s in sockets:
            assert s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
    finally:
        for s in sockets:
            s.close()


def test_accepted_connections_have_nagle_off() -> None:
    (listener,) = serving.bind_sockets("127.0.0.1", 0, 1)
    port = listener.getsockname()[1]
    seen: list[int] = []

    class Record(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Record, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(main())
    assert seen and seen[0] != 0


@pytest.mark.parametrize("reuse_port", [False, True])
def test_a_port_held_by_another_listener_is_refused_in_words(reuse_port: bool) -> None:
    with socket.socket() as taken:
        if reuse_port:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(serving.BindError) as refused:
            serving.bind_sockets("127.0.0.1", port, 2)
    assert str(refused.value) == f"127.0.0.1:{port} is in use by another program"


@pytest.mark.parametrize(
    ("host", "words"),
    [("192.0.2.1", "no such address on this machine"), ("no-such-host.invalid", "unknown host")],
)
def test_an_address_that_cannot_be_listened_on_is_refused_in_words(host: str, words: str) -> None:
    with pytest.raises(serving.BindError) as refused:
        serving.bind_sockets(host, 0, 1)
    assert str(refused.value) == f"cannot listen on {host}:0: {words}"
