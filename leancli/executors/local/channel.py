"""Framed pickles over one end of a socket pair: how the parent and a worker talk.

`multiprocessing.Connection` costs a selector and two system calls per message; at
thousands of snippets a second that is most of the parent's time. Here each message is
a length-prefixed pickle; a reader takes everything waiting in one `os.read`, and the
parent's end never blocks on a write (a worker busy with a snippet reads only between
requests), so neither side can wait for the other with both pipes full.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
from multiprocessing.connection import Connection
from typing import Any

_LENGTH = struct.Struct("<I")
_CHUNK = 1 << 16


class Channel:
    """One end of a worker's socket pair. `blocking` is for the worker's end."""

    def __init__(self, conn: Connection, *, blocking: bool) -> None:
        self._conn = conn  # owns the descriptor
        self._fd = conn.fileno()
        self._blocking = blocking
        os.set_blocking(self._fd, blocking)
        self._inbox = bytearray()
        self._outbox = bytearray()
        self._poll = select.poll()
        self._poll.register(self._fd, select.POLLIN)

    def fileno(self) -> int:
        return self._fd

    @property
    def wants_write(self) -> bool:
        """Whether messages are waiting for room in the socket (parent's end only)."""
        return bool(self._outbox)

    def send(self, message: Any) -> None:
        """Send (or, on the non-blocking end, queue) one message; OSError if the peer is gone."""
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self._outbox += _LENGTH.pack(len(payload))
        self._outbox += payload
        self.flush()

    def flush(self) -> None:
        """Write what the socket takes now (all of it, on the blocking end)."""
        while self._outbox:
            try:
                written = os.write(self._fd, self._outbox)
            except BlockingIOError:
                return
            del self._outbox[:written]

    def ready(self) -> bool:
        """Whether a message (or the end of the stream) is waiting to be read."""
        return bool(self._poll.poll(0))

    def receive(self) -> list[Any]:
        """Every complete message waiting (blocking for at least one on the blocking end);
        EOFError once the peer has closed and everything it sent has been read."""
        while True:
            try:
                chunk = os.read(self._fd, _CHUNK)
            except BlockingIOError:
                return self._messages()
            if not chunk:
                messages = self._messages()
                if messages:
                    return messages
                raise EOFError
            self._inbox += chunk
            messages = self._messages()
            if messages and (self._blocking or len(chunk) < _CHUNK):
                return messages

    def _messages(self) -> list[Any]:
        messages = []
        start, end = 0, len(self._inbox)
        while end - start >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(self._inbox, start)
            if end - start - _LENGTH.size < length:
                break
            start += _LENGTH.size
            messages.append(pickle.loads(self._inbox[start : start + length]))
            start += length
        del self._inbox[:start]
        return messages

    def close(self) -> None:
        self._conn.close()
