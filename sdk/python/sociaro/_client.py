"""The Sociaro client: configuration, the retry loop around each request, and the official clients by base URL."""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import time
from typing import Any, Callable, Dict, Mapping, Optional, Union

from ._errors import APIConnectionError, SociaroError, status_error
from ._http import MAX_ERROR_BODY, BaseURL, RawResponse, send
from ._objects import SociaroList, SociaroObject
from ._resources import Chat, Embeddings, Jobs, Models, Responses
from ._retry import retry_delay, should_retry_status
from ._streaming import Stream
from ._version import __version__

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT = 600.0
DEFAULT_MAX_RETRIES = 2

DateLike = Union[str, _dt.date, _dt.datetime]


class Sociaro:
    """A client for one gateway and one key.

    `api_key` defaults to `SOCIARO_API_KEY`, `base_url` to `SOCIARO_BASE_URL` and then `http://127.0.0.1:8080`.
    `timeout` (seconds) bounds the connect and each read; `max_retries` counts the retries after the first attempt.
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("SOCIARO_API_KEY")
        if not key:
            raise SociaroError(
                "The api_key client option must be set either by passing api_key to the client "
                "or by setting the SOCIARO_API_KEY environment variable"
            )
        if max_retries < 0:
            raise SociaroError("max_retries must be 0 or more")
        if timeout <= 0:
            raise SociaroError("timeout must be a positive number of seconds")
        self.api_key = key
        self._base = BaseURL(base_url or os.environ.get("SOCIARO_BASE_URL") or DEFAULT_BASE_URL)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.default_headers: Dict[str, str] = dict(default_headers or {})
        # Only the retry wait goes through this; replaced in tests of the SDK's own retry schedule.
        self._sleep: Callable[[float], None] = time.sleep
        self.chat = Chat(self)
        self.embeddings = Embeddings(self)
        self.responses = Responses(self)
        self.models = Models(self)
        self.jobs = Jobs(self)

    @property
    def base_url(self) -> str:
        return self._base.url

    def __repr__(self) -> str:
        return f"Sociaro(base_url={self.base_url!r})"

    # Key self-service ---------------------------------------------------------------------------------------------

    def me(self, *, timeout: Optional[float] = None) -> SociaroObject:
        """`GET /v1/me`: this key's name, organization, allowed models, limits, current-period spend and remaining budget."""
        return self._get("/v1/me", timeout=timeout)

    def usage(
        self,
        *,
        from_: Optional[DateLike] = None,
        to: Optional[DateLike] = None,
        group_by: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> SociaroObject:
        """`GET /v1/me/usage?from=&to=&group_by=day|model`: this key's own usage (`from_` because `from` is reserved).

        The report has `time_zone` (the organization's reporting zone), `data` and `totals`; a `day` row has `day` (the
        local date, YYYY-MM-DD) and `starts_at` (the instant that day starts), a `model` row has `model`.
        """
        if group_by is not None and group_by not in ("day", "model"):
            raise ValueError("group_by must be 'day' or 'model'")
        query = {"from": _date_text(from_), "to": _date_text(to), "group_by": group_by}
        return self._get("/v1/me/usage", query=query, timeout=timeout)

    # The official clients -----------------------------------------------------------------------------------------

    def openai(self, **options: Any) -> Any:
        """An `openai.OpenAI` client on the gateway's unified endpoint (`<base_url>/v1`) with this key."""
        try:
            import openai  # type: ignore[import-not-found]
        except ImportError as error:
            raise ImportError(
                "client.openai() needs the official OpenAI SDK, which is not installed: pip install openai "
                "(or pip install 'sociaro[openai]')"
            ) from error
        settings: Dict[str, Any] = {
            "api_key": self.api_key,
            "base_url": f"{self.base_url}/v1",
            "timeout": self.timeout,
            "max_retries": self.max_retries,
        }
        settings.update(options)
        return openai.OpenAI(**settings)

    def anthropic(self, **options: Any) -> Any:
        """An `anthropic.Anthropic` client on the gateway's Anthropic pass-through (`<base_url>/anthropic`) with this key."""
        try:
            import anthropic  # type: ignore[import-not-found]
        except ImportError as error:
            raise ImportError(
                "client.anthropic() needs the official Anthropic SDK, which is not installed: pip install anthropic "
                "(or pip install 'sociaro[anthropic]')"
            ) from error
        settings: Dict[str, Any] = {
            "api_key": self.api_key,
            "base_url": f"{self.base_url}/anthropic",
            "timeout": self.timeout,
            "max_retries": self.max_retries,
        }
        settings.update(options)
        return anthropic.Anthropic(**settings)

    # Transport ----------------------------------------------------------------------------------------------------

    def _get(
        self,
        path: str,
        *,
        query: Optional[Mapping[str, Optional[str]]] = None,
        timeout: Optional[float] = None,
        headers: Optional[Mapping[str, str]] = None,
        list_result: bool = False,
    ) -> SociaroObject:
        result = self._request("GET", path, query=query, timeout=timeout, headers=headers, list_result=list_result)
        assert isinstance(result, SociaroObject)
        return result

    def _post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        stream: bool,
        timeout: Optional[float],
        headers: Optional[Mapping[str, str]],
    ) -> Union[SociaroObject, Stream]:
        return self._request("POST", path, body=body, stream=stream, timeout=timeout, headers=headers)

    def _headers(self, extra: Optional[Mapping[str, str]], has_body: bool, stream: bool) -> Dict[str, str]:
        headers = {
            "authorization": f"Bearer {self.api_key}",
            "accept": "text/event-stream" if stream else "application/json",
            "user-agent": f"sociaro-python/{__version__} (Python {platform.python_version()})",
        }
        if has_body:
            headers["content-type"] = "application/json"
        headers.update({k.lower(): v for k, v in self.default_headers.items()})
        headers.update({k.lower(): v for k, v in (extra or {}).items()})
        return headers

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Optional[str]]] = None,
        stream: bool = False,
        timeout: Optional[float] = None,
        headers: Optional[Mapping[str, str]] = None,
        list_result: bool = False,
    ) -> Union[SociaroObject, Stream]:
        payload = None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        target = self._base.target(path, {k: v for k, v in (query or {}).items() if v is not None})
        request_headers = self._headers(headers, payload is not None, stream)
        seconds = self.timeout if timeout is None else float(timeout)
        retries_left = self.max_retries
        while True:
            try:
                response = send(self._base, method, target, request_headers, payload, seconds)
                if response.status_code >= 400:
                    error = self._status_error(response)
                    if retries_left > 0 and should_retry_status(response.status_code, response.headers):
                        self._sleep(retry_delay(retries_left, self.max_retries, response.headers))
                        retries_left -= 1
                        continue
                    raise error
                if stream:
                    return Stream(response)
                return self._parse(response, list_result)
            except APIConnectionError:
                # Connection refused, reset or timed out (also while reading a JSON answer): retried like a 5xx.
                if retries_left <= 0:
                    raise
                self._sleep(retry_delay(retries_left, self.max_retries))
                retries_left -= 1

    @staticmethod
    def _status_error(response: RawResponse) -> Exception:
        try:
            raw = response.read(MAX_ERROR_BODY)
        except APIConnectionError:
            raw = b""
        finally:
            response.close()
        text = raw.decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        return status_error(response.status_code, response.headers, body, response.request_id)

    @staticmethod
    def _parse(response: RawResponse, list_result: bool) -> SociaroObject:
        try:
            raw = response.read()
        finally:
            response.close()
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError as error:
            raise APIConnectionError(f"The gateway's answer is not JSON: {raw[:200]!r}") from error
        if not isinstance(data, dict):
            raise APIConnectionError("The gateway's answer is not a JSON object.")
        cls = SociaroList if list_result else SociaroObject
        return cls(data, response.request_id)


def _date_text(value: Optional[DateLike]) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()
