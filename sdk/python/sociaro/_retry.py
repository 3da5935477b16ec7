"""When to retry a failed request and how long to wait: a pure core (status, headers, attempt → decision)."""
from __future__ import annotations

import email.utils
import random
import time
from typing import Callable, Mapping, Optional

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
# A server's own wait is honoured up to this long; beyond it (or when absent) the SDK uses its own backoff.
MAX_SERVER_DELAY = 60.0

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def should_retry_status(status_code: int, headers: Mapping[str, str]) -> bool:
    """`x-should-retry: true|false` decides when present; otherwise 408, 409, 429 and every 5xx are retried."""
    override = headers.get("x-should-retry", "").strip().lower()
    if override == "true":
        return True
    if override == "false":
        return False
    return status_code in RETRYABLE_STATUSES or status_code >= 500


def server_delay(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> Optional[float]:
    """The wait the server asked for, in seconds: `retry-after-ms`, else `retry-after` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000.0
        except ValueError:
            pass
    after = headers.get("retry-after")
    if after is None:
        return None
    try:
        return float(after)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(after)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return when.timestamp() - now()


def retry_delay(
    retries_left: int,
    max_retries: int,
    headers: Optional[Mapping[str, str]] = None,
    jitter: Callable[[], float] = random.random,
    now: Callable[[], float] = time.time,
) -> float:
    """Seconds to wait before the next attempt: the server's wait when sane, else 0.5 s doubling up to 8 s, less up to 25 %."""
    asked = server_delay(headers or {}, now)
    if asked is not None and 0 <= asked <= MAX_SERVER_DELAY:
        return asked
    attempt = max_retries - retries_left
    backoff = min(INITIAL_DELAY * (2.0 ** attempt), MAX_DELAY)
    return max(0.0, backoff * (1.0 - 0.25 * jitter()))
