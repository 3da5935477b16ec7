"""Sociaro: the Python client for the Sociaro AI gateway (`from sociaro import Sociaro`)."""
from ._client import DEFAULT_BASE_URL, Sociaro
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SociaroError,
    UnprocessableEntityError,
)
from ._objects import SociaroList, SociaroObject
from ._streaming import Stream
from ._version import __version__

__all__ = [
    "Sociaro",
    "DEFAULT_BASE_URL",
    "Stream",
    "SociaroObject",
    "SociaroList",
    "SociaroError",
    "APIError",
    "APIStatusError",
    "APIConnectionError",
    "APITimeoutError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "__version__",
]
