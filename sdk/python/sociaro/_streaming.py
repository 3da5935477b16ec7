"""Server-sent events as an iterator of chunks; also a context manager that closes the connection."""
from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Dict, Iterator, Optional, Type

from ._errors import APIConnectionError, APIError
from ._http import RawResponse
from ._objects import SociaroObject

# One SSE line (and one event's data) may not exceed this; a stream that sends more is cut with an error.
MAX_EVENT_BYTES = 16 << 20


class ServerSentEvent:
    """One dispatched event: its `event` name (None when unnamed) and its joined `data` lines."""

    __slots__ = ("event", "data")

    def __init__(self, event: Optional[str], data: str) -> None:
        self.event = event
        self.data = data


def iter_events(response: RawResponse) -> Iterator[ServerSentEvent]:
    """Parses the SSE framing (`event:`, `data:`, comments, blank-line dispatch) line by line, bounded per event."""
    event: Optional[str] = None
    data: list = []
    size = 0
    while True:
        line = response.readline(MAX_EVENT_BYTES + 1)
        if len(line) > MAX_EVENT_BYTES:
            raise APIError("A server-sent event line exceeds the SDK's 16 MiB limit.")
        if not line:
            if response.truncated:
                raise APIConnectionError("The connection closed before the stream ended.")
            if data:
                yield ServerSentEvent(event, "\n".join(data))
            return
        text = line.decode("utf-8").rstrip("\r\n")
        if text == "":
            if data:
                yield ServerSentEvent(event, "\n".join(data))
            event, data, size = None, [], 0
            continue
        if text.startswith(":"):
            continue
        field, _, value = text.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            size += len(value)
            if size > MAX_EVENT_BYTES:
                raise APIError("A server-sent event exceeds the SDK's 16 MiB limit.")
            data.append(value)
        elif field == "event":
            event = value


class Stream:
    """The chunks of a streamed answer, parsed as they arrive; `with` or `close()` releases the connection early.

    Iteration ends at `data: [DONE]` or at the end of the body; an `error` event or a chunk carrying `error`
    raises APIError, and a connection cut mid-stream raises APIConnectionError.
    """

    def __init__(self, response: RawResponse) -> None:
        self.response = response
        self.status_code = response.status_code
        self.headers: Dict[str, str] = response.headers
        self.request_id = response.request_id
        self._iterator = self._chunks()

    def __iter__(self) -> Iterator[SociaroObject]:
        return self

    def __next__(self) -> SociaroObject:
        return next(self._iterator)

    def _chunks(self) -> Iterator[SociaroObject]:
        try:
            for sse in iter_events(self.response):
                if sse.data.startswith("[DONE]"):
                    break
                try:
                    parsed: Any = json.loads(sse.data)
                except ValueError as error:
                    raise APIConnectionError(f"The stream sent an event that is not JSON: {sse.data[:200]!r}") from error
                if sse.event == "error" or (isinstance(parsed, dict) and parsed.get("error") is not None and sse.event is None):
                    raise APIError(_error_message(parsed), body=parsed, request_id=self.request_id)
                if isinstance(parsed, dict):
                    yield SociaroObject(parsed, self.request_id)
        finally:
            self.close()

    def close(self) -> None:
        self.response.close()

    @property
    def closed(self) -> bool:
        return self.response.closed

    def __enter__(self) -> "Stream":
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()


def _error_message(parsed: Any) -> str:
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(parsed.get("message"), str):
            return str(parsed["message"])
    return "The stream reported an error."
