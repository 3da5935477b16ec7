"""The API's endpoints as namespaces (`client.chat.completions`, `client.embeddings`, …), each a thin request builder."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, Mapping, Optional, Union, overload
from urllib.parse import quote

from ._objects import SociaroList, SociaroObject
from ._streaming import Stream

if TYPE_CHECKING:
    from typing import Literal

    from ._client import Sociaro

Headers = Optional[Mapping[str, str]]


def _body(params: Dict[str, Any], extra_body: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    body = {k: v for k, v in params.items() if v is not None}
    if extra_body:
        body.update(extra_body)
    return body


class Completions:
    """`POST /v1/chat/completions`; `model` is `provider/model`, e.g. `openai/gpt-4o`."""

    def __init__(self, client: "Sociaro") -> None:
        self._client = client

    @overload
    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: "Literal[False]" = False,
        timeout: Optional[float] = None,
        extra_headers: Headers = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        **params: Any,
    ) -> SociaroObject: ...

    @overload
    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: "Literal[True]",
        timeout: Optional[float] = None,
        extra_headers: Headers = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        **params: Any,
    ) -> Stream: ...

    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: bool = False,
        timeout: Optional[float] = None,
        extra_headers: Headers = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        **params: Any,
    ) -> Union[SociaroObject, Stream]:
        """Creates a chat completion; with `stream=True`, an iterator of `chat.completion.chunk` objects."""
        body = _body({"model": model, "messages": list(messages), **params}, extra_body)
        if stream:
            body["stream"] = True
        return self._client._post("/v1/chat/completions", body, stream=stream, timeout=timeout, headers=extra_headers)


class Chat:
    def __init__(self, client: "Sociaro") -> None:
        self.completions = Completions(client)


class Embeddings:
    """`POST /v1/embeddings`."""

    def __init__(self, client: "Sociaro") -> None:
        self._client = client

    def create(
        self,
        *,
        model: str,
        input: Union[str, Iterable[Any]],
        timeout: Optional[float] = None,
        extra_headers: Headers = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        **params: Any,
    ) -> SociaroObject:
        body = _body({"model": model, "input": input if isinstance(input, str) else list(input), **params}, extra_body)
        result = self._client._post("/v1/embeddings", body, stream=False, timeout=timeout, headers=extra_headers)
        assert isinstance(result, SociaroObject)
        return result


class Responses:
    """`POST /v1/responses`, for the providers that offer OpenAI's Responses API."""

    def __init__(self, client: "Sociaro") -> None:
        self._client = client

    @overload
    def create(
        self,
        *,
        model: str,
        stream: "Literal[False]" = False,
        timeout: Optional[float] = None,
        extra_headers: Headers = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        **params: Any,
    ) -> SociaroObject: ...

    @overload
    def create(
        self,
        *,
        model: str,
        stream: "Literal[True]",
        timeout: Optional[float] = None,
        extra_headers: Headers = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        **params: Any,
    ) -> Stream: ...

    def create(
        self,
        *,
        model: str,
        stream: bool = False,
        timeout: Optional[float] = None,
        extra_headers: Headers = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        **params: Any,
    ) -> Union[SociaroObject, Stream]:
        """Creates a response; with `stream=True`, an iterator of the typed events (`response.output_text.delta`, …)."""
        body = _body({"model": model, **params}, extra_body)
        if stream:
            body["stream"] = True
        return self._client._post("/v1/responses", body, stream=stream, timeout=timeout, headers=extra_headers)


class Models:
    """`GET /v1/models` (the models this key may use, with prices where known) and `GET /v1/models/{provider}/{model}`."""

    def __init__(self, client: "Sociaro") -> None:
        self._client = client

    def list(self, *, timeout: Optional[float] = None, extra_headers: Headers = None) -> SociaroList:
        """`GET /v1/models`: the `provider/model` names this key may use; `pricing` (where known) is what this key's
        organization is charged, with `pricing.source` "list" (the published price) or "override" (the operator's)."""
        result = self._client._get("/v1/models", timeout=timeout, headers=extra_headers, list_result=True)
        assert isinstance(result, SociaroList)
        return result

    def retrieve(self, model: str, *, timeout: Optional[float] = None, extra_headers: Headers = None) -> SociaroObject:
        return self._client._get(f"/v1/models/{model_path(model)}", timeout=timeout, headers=extra_headers)


def model_path(model: str) -> str:
    """`openrouter/anthropic/claude-sonnet-4.5` → the same path, each segment percent-encoded; no empty or dot segments."""
    segments = model.split("/")
    if len(segments) < 2 or any(s in ("", ".", "..") for s in segments):
        raise ValueError(f"model must be 'provider/model', got {model!r}")
    return "/".join(quote(s, safe="") for s in segments)


JOB_STATUSES = ("queued", "running", "succeeded", "failed", "canceled", "expired", "unknown")


class Jobs:
    """`GET /v1/jobs` (this key's async provider jobs: batches, video tasks, …) and `GET /v1/jobs/{id}`.

    A job has `id` (`job_…`), `provider`, `provider_job_id`, `model`, `kind`, `status` (one of JOB_STATUSES) and the
    provider's `raw_status`, `created_at`, `updated_at`, `finished_at`, `result_expires_at`, `reserved_usd`, `cost_usd`
    (None while running or when unpriced), `cost_status` ("priced" or "unpriced") and `settled`.
    """

    def __init__(self, client: "Sociaro") -> None:
        self._client = client

    def list(
        self,
        *,
        status: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        timeout: Optional[float] = None,
        extra_headers: Headers = None,
    ) -> SociaroList:
        """One page of this key's jobs, newest first; `next_cursor` (None on the last page) is the next page's `cursor`."""
        if status is not None and status not in JOB_STATUSES:
            raise ValueError(f"status must be one of {', '.join(JOB_STATUSES)}")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 200):
            raise ValueError("limit must be a whole number from 1 to 200")
        query = {"status": status, "limit": None if limit is None else str(limit), "cursor": cursor}
        result = self._client._get("/v1/jobs", query=query, timeout=timeout, headers=extra_headers, list_result=True)
        assert isinstance(result, SociaroList)
        return result

    def list_all(self, *, status: Optional[str] = None, limit: Optional[int] = None, timeout: Optional[float] = None) -> Iterator[SociaroObject]:
        """Every job of this key (matching `status`), page after page; `limit` is the page size."""
        cursor: Optional[str] = None
        while True:
            page = self.list(status=status, limit=limit, cursor=cursor, timeout=timeout)
            yield from page
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def retrieve(self, job_id: str, *, timeout: Optional[float] = None, extra_headers: Headers = None) -> SociaroObject:
        """One of this key's jobs; NotFoundError for another key's, as for one that does not exist."""
        if not isinstance(job_id, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", job_id):
            raise ValueError(f"not a job id (job_…): {job_id!r}")
        return self._client._get(f"/v1/jobs/{job_id}", timeout=timeout, headers=extra_headers)
