"""The workbench's socket answers without Nagle's delay: a response's headers and body,
written one after the other, must not wait for the client's delayed ACK."""

from __future__ import annotations

import socket

from litsift.workbench.server import bind


def test_connections_to_the_workbench_socket_send_without_delay():
    listener = bind("127.0.0.1", 0)
    try:
        assert listener.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY only then
        client = socket.create_connection(listener.getsockname())
        conn, _ = listener.accept()
        try:
            assert conn.proto == socket.IPPROTO_TCP
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            conn.close()
            client.close()
    finally:
        listener.close()
