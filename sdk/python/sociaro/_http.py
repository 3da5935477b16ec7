"""One HTTP exchange with the gateway over http.client: connect, send, and hand back the open response."""
from __future__ import annotations

import http.client
import socket
import ssl
from typing import Dict, Mapping, Optional
from urllib.parse import urlencode, urlsplit

from ._errors import APIConnectionError, APITimeoutError, SociaroError

# An error answer is read whole to parse it; a hostile or broken server cannot make the SDK buffer more than this.
MAX_ERROR_BODY = 1 << 20


class BaseURL:
    """`scheme://host:port/prefix`, checked once; every request path is appended to the prefix."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SociaroError(f"base_url must be an http:// or https:// URL, got {url!r}")
        if parts.query or parts.fragment:
            raise SociaroError(f"base_url must not carry a query or fragment, got {url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        default_port = (parts.scheme == "https" and self.port == 443) or (parts.scheme == "http" and self.port == 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"{self.scheme}://{host}{'' if default_port else f':{self.port}'}{self.prefix}"

    def target(self, path: str, query: Optional[Mapping[str, str]] = None) -> str:
        encoded = urlencode([(k, v) for k, v in (query or {}).items() if v is not None])
        return f"{self.prefix}{path}{'?' + encoded if encoded else ''}"


class RawResponse:
    """An open answer: status and lower-cased headers now, the body read (or streamed) by the caller, then closed."""

    def __init__(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
        self._connection = connection
        self._response = response
        self.status_code = response.status
        self.headers: Dict[str, str] = {k.lower(): v for k, v in response.getheaders()}
        self.closed = False

    @property
    def request_id(self) -> Optional[str]:
        return self.headers.get("x-sociaro-request-id") or self.headers.get("x-request-id")

    def read(self, limit: Optional[int] = None) -> bytes:
        try:
            return self._response.read() if limit is None else self._response.read(limit)
        except (socket.timeout, TimeoutError) as error:
            raise APITimeoutError() from error
        except (OSError, http.client.HTTPException) as error:
            raise APIConnectionError(f"The connection broke while reading the answer: {error}") from error

    def readline(self, limit: int) -> bytes:
        try:
            return self._response.readline(limit)
        except (socket.timeout, TimeoutError) as error:
            raise APITimeoutError() from error
        except (OSError, http.client.HTTPException) as error:
            raise APIConnectionError(f"The connection broke while reading the stream: {error}") from error

    @property
    def truncated(self) -> bool:
        """The body ended before its declared content-length (a cut chunked body raises while reading instead)."""
        remaining = getattr(self._response, "length", None)
        return isinstance(remaining, int) and remaining > 0

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._response.close()
        finally:
            self._connection.close()


def send(
    base: BaseURL,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: Optional[bytes],
    timeout: float,
) -> RawResponse:
    """Opens a fresh connection and sends one request; the timeout bounds the connect and every read."""
    if base.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            base.host, base.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(base.host, base.port, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=dict(headers))
        response = connection.getresponse()
    except (socket.timeout, TimeoutError) as error:
        connection.close()
        raise APITimeoutError() from error
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise APIConnectionError(f"Connection error: {error}") from error
    return RawResponse(connection, response)
