"""The API's endpoints as namespaces (`client.chat.completions`, `client.embeddings`, …), each a thin request builder."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, Mapping, Optional, Union, overload
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
