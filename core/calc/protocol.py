"""Frames between the platform and a calculator worker: a 4-byte length, then JSON.

Only plain JSON crosses the pipe (Decimals as text), never pickles: a worker is
treated as hostile, so the platform decodes nothing that could run code, and
refuses frames above a size limit before reading them.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from decimal import Decimal
from typing import Any

HEADER = struct.Struct(">I")
#: Largest frame either side accepts (a script, a catalog snapshot, a result).
MAX_FRAME = 8 * 1024 * 1024


class FrameError(Exception):
    """The other side sent something that is not a frame, or went away."""


class FrameTimeout(FrameError):
    pass


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_default,
                            check_circular=False)
_decoder = json.JSONDecoder(parse_float=Decimal)


def encode(message: Any) -> bytes:
    payload = _encoder.encode(message).encode("utf-8")
    if len(payload) > MAX_FRAME:
        raise FrameError(f"a message of {len(payload)} bytes is above the limit of {MAX_FRAME}")
    return HEADER.pack(len(payload)) + payload


def decode(payload: bytes) -> Any:
    """JSON with decimals as :class:`~decimal.Decimal` (never float)."""
    try:
        return _decoder.decode(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FrameError(f"malformed frame: {type(exc).__name__}") from None


class FrameReader:
    """Reads frames from a file descriptor, optionally before a deadline."""

    def __init__(self, fd: int, max_frame: int = MAX_FRAME) -> None:
        self.fd = fd
        self.max_frame = max_frame
        self.buffer = bytearray()
        self._poll: Any = None

    def _fill(self, deadline: float | None) -> None:
        if deadline is not None:
            if self._poll is None:
                self._poll = select.poll()
                self._poll.register(self.fd, select.POLLIN | select.POLLHUP | select.POLLERR)
            remaining = deadline - time.monotonic()
            # Past the deadline, what is already waiting is still read: a warm worker's
            # greeting, read when the pool first hands it out, may be minutes old.
            if not self._poll.poll(max(0, int(remaining * 1000) + 1)):
                if time.monotonic() >= deadline:
                    raise FrameTimeout("no answer before the deadline")
                return
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError as exc:
            raise FrameError(f"the pipe failed: {exc}") from None
        if not chunk:
            raise FrameError("the other side closed the pipe")
        self.buffer += chunk

    def read(self, deadline: float | None = None) -> Any:
        while len(self.buffer) < HEADER.size:
            self._fill(deadline)
        (length,) = HEADER.unpack_from(self.buffer)
        if length > self.max_frame:
            raise FrameError(f"a frame of {length} bytes is above the limit of {self.max_frame}")
        end = HEADER.size + length
        while len(self.buffer) < end:
            self._fill(deadline)
        payload = bytes(self.buffer[HEADER.size:end])
        del self.buffer[:end]
        return decode(payload)


def write_all(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write every byte; with a deadline the descriptor must be non-blocking."""
    view = memoryview(data)
    poller = None
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            written = 0
        except OSError as exc:
            raise FrameError(f"the pipe failed: {exc}") from None
        view = view[written:]
        if view and deadline is not None:
            if poller is None:
                poller = select.poll()
                poller.register(fd, select.POLLOUT | select.POLLERR | select.POLLHUP)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FrameTimeout("the other side does not read")
            poller.poll(max(1, int(remaining * 1000) + 1))
