"""A stdlib HTTP server that speaks the gateway's unified contract, with scripted answers for errors, waits and cuts."""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Deque, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qs, unquote, urlsplit

FAKE_KEY = "gw_live_fake_0123456789abcdef"
PROVIDERS = ("openai", "anthropic", "gemini", "openrouter", "mistral", "mock")
# The fake key's allowlist: `mistral/*` is configured but not allowed, so it answers 403.
ALLOWED_PREFIXES = ("openai/", "anthropic/", "gemini/", "openrouter/", "mock/")
MODELS = [
    {"id": "openai/gpt-4o", "object": "model", "owned_by": "openai", "pricing": {"input_per_million_usd": 2.5, "output_per_million_usd": 10.0, "source": "list"}},
    {"id": "openai/text-embedding-3-small", "object": "model", "owned_by": "openai", "pricing": {"input_per_million_usd": 0.02, "output_per_million_usd": 0.0, "source": "override"}},
    {"id": "anthropic/claude-sonnet-4-5", "object": "model", "owned_by": "anthropic"},
    {"id": "openrouter/anthropic/claude-sonnet-4.5", "object": "model", "owned_by": "openrouter"},
]


@dataclass
class Scripted:
    """One answer the fake gives instead of routing: a status, headers, a body, a wait before it, or a cut connection."""

    status: int = 200
    body: Union[bytes, Dict[str, Any], None] = None
    headers: Dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Send the headers and a part of the body, then close the socket without finishing it.
    cut: bool = False


@dataclass
class Recorded:
    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    body: Any


def openai_error(status: int, message: str, type_: str, code: Optional[str], param: Optional[str] = None) -> Dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


class FakeGateway:
    """`with FakeGateway() as fake:` serves on 127.0.0.1:<free port>; `fake.url`, `fake.requests`, `fake.script(...)`."""

    def __init__(self, key: str = FAKE_KEY) -> None:
        self.key = key
        self.requests: List[Recorded] = []
        self.aborted_streams = 0
        self._scripted: Deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._counter = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeGateway":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> "FakeGateway":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def script(self, *answers: Scripted) -> None:
        """The next requests get these answers, in order, before normal routing resumes."""
        with self._lock:
            self._scripted.extend(answers)

    def reset(self) -> None:
        with self._lock:
            self._scripted.clear()
            self.requests.clear()
            self.aborted_streams = 0
            self._counter = 0

    def next_request_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"req_fake_{self._counter:06d}"

    def take_scripted(self) -> Optional[Scripted]:
        with self._lock:
            return self._scripted.popleft() if self._scripted else None


def _handler_for(fake: FakeGateway) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        # -- plumbing ------------------------------------------------------------------------------------------------

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            fake.requests.append(
                Recorded(method, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()}, body)
            )
            self.request_id = fake.next_request_id()
            scripted = fake.take_scripted()
            if scripted is not None:
                self._scripted(scripted)
                return
            if self.headers.get("authorization") != f"Bearer {fake.key}":
                self._json(401, openai_error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"), {"x-should-retry": "false"})
                return
            self._route(method, parts.path, parse_qs(parts.query), body)

        def _scripted(self, scripted: Scripted) -> None:
            if scripted.delay:
                time.sleep(scripted.delay)
            payload = scripted.body if isinstance(scripted.body, bytes) else json.dumps(scripted.body or {}).encode()
            try:
                self.send_response(scripted.status)
                headers = {"content-type": "application/json", "x-sociaro-request-id": self.request_id, **scripted.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                if scripted.cut:
                    self.send_header("content-length", str(len(payload) + 100))
                    self.end_headers()
                    self.wfile.write(payload[: max(1, len(payload) // 2)])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up first (a timeout test)

        def _json(self, status: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("x-sociaro-request-id", self.request_id)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _sse(self, events: List[Tuple[Optional[str], str]], gap: float = 0.0) -> None:
            """Chunked `text/event-stream`; a client that hangs up shows as a failed write, counted in aborted_streams."""
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.send_header("transfer-encoding", "chunked")
            self.send_header("x-sociaro-request-id", self.request_id)
            self.end_headers()
            try:
                for name, data in events:
                    frame = (f"event: {name}\n" if name else "") + f"data: {data}\n\n"
                    encoded = frame.encode()
                    self.wfile.write(f"{len(encoded):x}\r\n".encode() + encoded + b"\r\n")
                    self.wfile.flush()
                    if gap:
                        time.sleep(gap)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except OSError:
                fake.aborted_streams += 1
                self.close_connection = True

        # -- the contract --------------------------------------------------------------------------------------------

        def _model(self, body: Any) -> Optional[str]:
            """The body's `provider/model`, or None after answering the 400/403 the gateway gives."""
            model = body.get("model") if isinstance(body, dict) else None
            if not isinstance(model, str) or "/" not in model or model.split("/", 1)[0] not in PROVIDERS:
                self._json(
                    400,
                    openai_error(
                        400,
                        f"model must be 'provider/model' (for example 'openai/gpt-4o'); providers: {', '.join(PROVIDERS)}",
                        "invalid_request_error",
                        "invalid_model",
                        "model",
                    ),
                    {"x-should-retry": "false"},
                )
                return None
            if not model.startswith(ALLOWED_PREFIXES):
                self._json(403, openai_error(403, f"This key may not use {model}.", "invalid_request_error", "model_not_allowed"), {"x-should-retry": "false"})
                return None
            return model

        def _route(self, method: str, path: str, query: Dict[str, List[str]], body: Any) -> None:
            if method == "POST" and path == "/v1/chat/completions":
                model = self._model(body)
                if model:
                    self._chat(model, body)
            elif method == "POST" and path == "/v1/embeddings":
                model = self._model(body)
                if model:
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    data = [{"object": "embedding", "index": i, "embedding": [float(len(str(text))), 0.5, -0.25]} for i, text in enumerate(inputs)]
                    tokens = sum(len(str(text).split()) for text in inputs)
                    self._json(200, {"object": "list", "data": data, "model": model.split("/", 1)[1], "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})
            elif method == "POST" and path == "/v1/responses":
                model = self._model(body)
                if model:
                    self._response(model, body)
            elif method == "GET" and path == "/v1/models":
                self._json(200, {"object": "list", "data": MODELS})
            elif method == "GET" and path.startswith("/v1/models/"):
                wanted = unquote(path[len("/v1/models/"):])
                found = next((m for m in MODELS if m["id"] == wanted), None)
                if found:
                    self._json(200, found)
                else:
                    self._json(404, openai_error(404, f"The model {wanted} does not exist or this key may not use it.", "invalid_request_error", "model_not_found"), {"x-should-retry": "false"})
            elif method == "GET" and path == "/v1/me":
                self._json(200, {
                    "object": "key", "id": "key_fake", "name": "fake key", "organization": {"id": "org_fake", "name": "fake org"},
                    "allowed_models": [p + "*" for p in ALLOWED_PREFIXES],
                    "limits": {"rpm": 60, "tpm": None, "budget_usd": 10.0, "budget_period": "month"},
                    "period": {"start": "2026-12-01T00:00:00Z", "spend_usd": 1.25, "remaining_usd": 8.75},
                })
            elif method == "GET" and path == "/v1/me/usage":
                group_by = (query.get("group_by") or ["day"])[0]
                sums = {"requests": 3, "input_tokens": 30, "output_tokens": 12, "cost_micros": 400, "cost_usd": 0.0004}
                rows = [{"day": "2026-12-01", "starts_at": "2026-12-01T08:00:00.000Z", **sums}] if group_by == "day" else [{"model": "openai/gpt-4o", **sums}]
                self._json(200, {"object": "usage", "from": (query.get("from") or [None])[0], "to": (query.get("to") or [None])[0], "group_by": group_by,
                                 "time_zone": "America/Los_Angeles", "data": rows, "totals": sums})
            else:
                self._json(404, openai_error(404, f"No route {method} {path}.", "invalid_request_error", "not_found"), {"x-should-retry": "false"})

        def _chat(self, model: str, body: Dict[str, Any]) -> None:
            last = body["messages"][-1]["content"] if body.get("messages") else ""
            text = f"Echo: {last}"
            upstream_model = model.split("/", 1)[1]
            usage = {"prompt_tokens": len(str(last).split()), "completion_tokens": len(text.split()), "total_tokens": len(str(last).split()) + len(text.split())}
            if not body.get("stream"):
                self._json(200, {
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 1764633600, "model": upstream_model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                    "usage": usage, "system_fingerprint": "fp_fake",
                })
                return
            words = text.split(" ")
            chunks = []
            for i, word in enumerate(words):
                delta: Dict[str, Any] = {"content": word if i == 0 else " " + word}
                if i == 0:
                    delta["role"] = "assistant"
                chunks.append((None, json.dumps({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": upstream_model,
                                                 "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})))
            chunks.append((None, json.dumps({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": upstream_model,
                                             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})))
            if (body.get("stream_options") or {}).get("include_usage"):
                chunks.append((None, json.dumps({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": upstream_model, "choices": [], "usage": usage})))
            chunks.append((None, "[DONE]"))
            gap = float((body.get("metadata") or {}).get("fake_gap_seconds", 0))
            self._sse(chunks, gap)

        def _response(self, model: str, body: Dict[str, Any]) -> None:
            text = f"Echo: {body.get('input')}"
            done = {"id": "resp_fake", "object": "response", "status": "completed", "model": model.split("/", 1)[1],
                    "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}],
                    "usage": {"input_tokens": 3, "output_tokens": len(text.split()), "total_tokens": 3 + len(text.split())}}
            if not body.get("stream"):
                self._json(200, done)
                return
            events: List[Tuple[Optional[str], str]] = [("response.created", json.dumps({"type": "response.created", "response": {**done, "status": "in_progress", "output": []}}))]
            for word in text.split(" "):
                events.append(("response.output_text.delta", json.dumps({"type": "response.output_text.delta", "delta": word + " "})))
            events.append(("response.completed", json.dumps({"type": "response.completed", "response": done})))
            self._sse(events)

    return Handler
