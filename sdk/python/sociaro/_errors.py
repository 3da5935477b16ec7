"""The exceptions the SDK raises: one class per HTTP status family, as the official OpenAI SDK names them."""
from __future__ import annotations

from typing import Any, Mapping, Optional


class SociaroError(Exception):
    """Every error this SDK raises derives from this class (configuration errors included)."""


class APIError(SociaroError):
    """A request to the gateway failed: a status, a broken connection, a timeout or an error event in a stream."""

    message: str
    body: Any
    request_id: Optional[str]
    code: Optional[str]
    param: Optional[str]
    type: Optional[str]

    def __init__(self, message: str, *, body: Any = None, request_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.body = body
        self.request_id = request_id
        error = body.get("error") if isinstance(body, Mapping) else None
        details: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
        self.code = _text(details.get("code"))
        self.param = _text(details.get("param"))
        self.type = _text(details.get("type"))


class APIStatusError(APIError):
    """The gateway answered with a 4xx or 5xx status; `body` is the parsed error JSON (or the text if not JSON)."""

    status_code: int
    headers: Mapping[str, str]

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        headers: Mapping[str, str],
        body: Any = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(message, body=body, request_id=request_id)
        self.status_code = status_code
        self.headers = headers

    def __str__(self) -> str:
        suffix = f" (request id {self.request_id})" if self.request_id else ""
        return f"Error code: {self.status_code} - {self.message}{suffix}"


class BadRequestError(APIStatusError):
    """400: the request is malformed, or the model is not in `provider/model` form."""


class AuthenticationError(APIStatusError):
    """401: the key is missing, unknown, revoked or expired."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this model or endpoint."""


class NotFoundError(APIStatusError):
    """404: no such model, provider or route."""


class ConflictError(APIStatusError):
    """409: a conflicting request (retried automatically)."""


class UnprocessableEntityError(APIStatusError):
    """422: the request is well formed but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: a rate limit, a concurrency limit or an exhausted budget (`code == "insufficient_quota"`)."""


class InternalServerError(APIStatusError):
    """5xx: the gateway or the provider failed."""


class APIConnectionError(APIError):
    """The gateway could not be reached, or the connection broke before a complete answer."""

    def __init__(self, message: str = "Connection error.") -> None:
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """No answer (or no next byte of one) within the timeout."""

    def __init__(self, message: str = "Request timed out.") -> None:
        super().__init__(message)


_BY_STATUS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(status_code: int, headers: Mapping[str, str], body: Any, request_id: Optional[str]) -> APIStatusError:
    """The exception for one error answer, with the message taken from OpenAI's `{"error": {"message"}}` shape."""
    cls = _BY_STATUS.get(status_code) or (InternalServerError if status_code >= 500 else APIStatusError)
    return cls(_message(status_code, body), status_code=status_code, headers=headers, body=body, request_id=request_id)


def _message(status_code: int, body: Any) -> str:
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
        if isinstance(body.get("message"), str):
            return str(body["message"])
    if isinstance(body, str) and body.strip():
        return body.strip()[:2000]
    return f"HTTP {status_code}"


def _text(value: Any) -> Optional[str]:
    return None if value is None else str(value)
