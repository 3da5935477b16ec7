"""Error classes, retries, timeouts and broken connections, against the fake gateway's scripted answers."""
from __future__ import annotations

import json
import socket
import time
import unittest
from typing import Any, List

from sociaro import (
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
    Sociaro,
    UnprocessableEntityError,
)

from .fake_gateway import FAKE_KEY, FakeGateway, Scripted, openai_error

fake = FakeGateway()


def setUpModule() -> None:
    fake.start()


def tearDownModule() -> None:
    fake.stop()


class Recorder:
    """Stands in for time.sleep in the retry loop: records each wait and sleeps nothing."""

    def __init__(self) -> None:
        self.waits: List[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client(max_retries: int = 2, timeout: float = 30, base_url: str = "") -> "tuple[Sociaro, Recorder]":
    c = Sociaro(api_key=FAKE_KEY, base_url=base_url or fake.url, timeout=timeout, max_retries=max_retries)
    recorder = Recorder()
    c._sleep = recorder
    return c, recorder


def chat(c: Sociaro) -> Any:
    return c.chat.completions.create(model="openai/gpt-4o", messages=[{"role": "user", "content": "Hello!"}])


def error_answer(status: int, headers: "dict[str, str] | None" = None, code: str = "some_code") -> Scripted:
    return Scripted(status=status, body=openai_error(status, f"scripted {status}", "invalid_request_error", code, "model"), headers=headers or {})


class ErrorClasses(unittest.TestCase):
    def setUp(self) -> None:
        fake.reset()

    def test_each_status_raises_its_class_with_status_request_id_and_parsed_body(self) -> None:
        expected = {
            400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError,
            409: ConflictError, 422: UnprocessableEntityError, 429: RateLimitError, 500: InternalServerError,
            503: InternalServerError, 418: APIStatusError,
        }
        c, _ = client(max_retries=0)
        for status, cls in expected.items():
            with self.subTest(status=status):
                fake.script(error_answer(status))
                with self.assertRaises(cls) as caught:
                    chat(c)
                error = caught.exception
                self.assertIs(type(error), cls)
                self.assertIsInstance(error, APIStatusError)
                self.assertIsInstance(error, APIError)
                self.assertEqual(error.status_code, status)
                self.assertEqual(error.request_id, f"req_fake_{len(fake.requests):06d}")
                self.assertEqual(error.body, openai_error(status, f"scripted {status}", "invalid_request_error", "some_code", "model"))
                self.assertEqual(error.message, f"scripted {status}")
                self.assertEqual((error.type, error.code, error.param), ("invalid_request_error", "some_code", "model"))
                self.assertIn(f"Error code: {status}", str(error))
                self.assertIn(error.request_id, str(error))

    def test_a_body_that_is_not_json_is_kept_as_text(self) -> None:
        c, _ = client(max_retries=0)
        fake.script(Scripted(status=502, body=b"<html>bad gateway</html>", headers={"content-type": "text/html"}))
        with self.assertRaises(InternalServerError) as caught:
            chat(c)
        self.assertEqual(caught.exception.body, "<html>bad gateway</html>")
        self.assertEqual(caught.exception.message, "<html>bad gateway</html>")

    def test_a_budget_refusal_is_a_rate_limit_error_with_its_code(self) -> None:
        c, recorder = client()
        fake.script(Scripted(status=429, body=openai_error(429, "Budget exhausted.", "insufficient_quota", "insufficient_quota"), headers={"x-should-retry": "false"}))
        with self.assertRaises(RateLimitError) as caught:
            chat(c)
        self.assertEqual(caught.exception.code, "insufficient_quota")
        self.assertEqual(len(fake.requests), 1)
        self.assertEqual(recorder.waits, [])

    def test_the_upstream_request_id_is_used_when_the_gateway_sent_none(self) -> None:
        c, _ = client(max_retries=0)
        fake.script(Scripted(status=400, body=openai_error(400, "x", "invalid_request_error", None), headers={"x-sociaro-request-id": "", "x-request-id": "req_upstream"}))
        with self.assertRaises(BadRequestError) as caught:
            chat(c)
        self.assertEqual(caught.exception.request_id, "req_upstream")


class Retries(unittest.TestCase):
    def setUp(self) -> None:
        fake.reset()

    def test_5xx_is_retried_with_exponential_backoff_and_jitter_then_succeeds(self) -> None:
        c, recorder = client(max_retries=2)
        fake.script(error_answer(503), error_answer(500))
        response = chat(c)
        self.assertEqual(response.choices[0].message.content, "Echo: Hello!")
        self.assertEqual(len(fake.requests), 3)
        self.assertEqual(len(recorder.waits), 2)
        self.assertTrue(0.375 <= recorder.waits[0] <= 0.5, recorder.waits)
        self.assertTrue(0.75 <= recorder.waits[1] <= 1.0, recorder.waits)
        self.assertEqual(fake.requests[0].body, fake.requests[2].body)

    def test_408_409_and_429_are_retried_and_the_last_error_is_raised_when_retries_run_out(self) -> None:
        for status in (408, 409, 429):
            with self.subTest(status=status):
                fake.reset()
                c, recorder = client(max_retries=2)
                fake.script(error_answer(status), error_answer(status), error_answer(status))
                with self.assertRaises(APIStatusError) as caught:
                    chat(c)
                self.assertEqual(caught.exception.status_code, status)
                self.assertEqual(len(fake.requests), 3)
                self.assertEqual(caught.exception.request_id, f"req_fake_{fake._counter:06d}")
                self.assertEqual(len(recorder.waits), 2)

    def test_retry_after_ms_is_honoured_before_retry_after(self) -> None:
        c, recorder = client()
        fake.script(error_answer(429, {"retry-after-ms": "1500", "retry-after": "7"}), error_answer(429, {"retry-after": "3"}))
        chat(c)
        self.assertEqual(recorder.waits, [1.5, 3.0])

    def test_retry_after_in_seconds_is_actually_waited(self) -> None:
        c = Sociaro(api_key=FAKE_KEY, base_url=fake.url, max_retries=1)
        fake.script(error_answer(429, {"retry-after": "1"}))
        started = time.monotonic()
        self.assertEqual(chat(c).choices[0].message.content, "Echo: Hello!")
        self.assertGreaterEqual(time.monotonic() - started, 0.95)
        self.assertEqual(len(fake.requests), 2)

    def test_a_retry_after_beyond_a_minute_falls_back_to_the_sdk_backoff(self) -> None:
        c, recorder = client(max_retries=1)
        fake.script(error_answer(429, {"retry-after": "3600"}))
        chat(c)
        self.assertTrue(0.375 <= recorder.waits[0] <= 0.5, recorder.waits)

    def test_x_should_retry_false_stops_a_retryable_status(self) -> None:
        c, recorder = client(max_retries=2)
        fake.script(error_answer(500, {"x-should-retry": "false"}), error_answer(429, {"x-should-retry": "false", "retry-after": "1"}))
        with self.assertRaises(InternalServerError):
            chat(c)
        self.assertEqual(len(fake.requests), 1)
        with self.assertRaises(RateLimitError):
            chat(c)
        self.assertEqual(len(fake.requests), 2)
        self.assertEqual(recorder.waits, [])

    def test_x_should_retry_true_retries_a_status_that_is_not_retried_otherwise(self) -> None:
        c, recorder = client(max_retries=2)
        fake.script(error_answer(400, {"x-should-retry": "true"}))
        chat(c)
        self.assertEqual(len(fake.requests), 2)
        fake.script(error_answer(400))
        with self.assertRaises(BadRequestError):
            chat(c)
        self.assertEqual(len(fake.requests), 3)

    def test_max_retries_zero_makes_one_attempt(self) -> None:
        c, recorder = client(max_retries=0)
        fake.script(error_answer(503))
        with self.assertRaises(InternalServerError):
            chat(c)
        self.assertEqual((len(fake.requests), recorder.waits), (1, []))


class Connections(unittest.TestCase):
    def setUp(self) -> None:
        fake.reset()

    def test_a_refused_connection_is_retried_then_raised_as_api_connection_error(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        c, recorder = client(max_retries=2, base_url=f"http://127.0.0.1:{closed_port}")
        with self.assertRaises(APIConnectionError) as caught:
            chat(c)
        self.assertNotIsInstance(caught.exception, APITimeoutError)
        self.assertEqual(len(recorder.waits), 2)

    def test_a_slow_answer_is_a_timeout_after_the_timeout_and_timeouts_are_retried(self) -> None:
        c, recorder = client(max_retries=1, timeout=0.3)
        fake.script(Scripted(delay=2.0, body={"never": "read"}), Scripted(delay=2.0, body={"never": "read"}))
        started = time.monotonic()
        with self.assertRaises(APITimeoutError):
            chat(c)
        # Two attempts of 0.3 s each; the bound only checks that the client did not wait for the 2 s answers.
        self.assertLess(time.monotonic() - started, 1.9)
        self.assertEqual(len(fake.requests), 2)
        self.assertEqual(len(recorder.waits), 1)

    def test_a_per_request_timeout_overrides_the_client_one(self) -> None:
        c, _ = client(max_retries=0, timeout=30)
        fake.script(Scripted(delay=2.0, body={}))
        started = time.monotonic()
        with self.assertRaises(APITimeoutError):
            c.chat.completions.create(model="openai/gpt-4o", messages=[], timeout=0.3)
        self.assertLess(time.monotonic() - started, 1.9)

    def test_a_body_cut_short_is_a_connection_error_and_is_retried(self) -> None:
        c, recorder = client(max_retries=1)
        fake.script(Scripted(body={"id": "chatcmpl-cut", "choices": []}, cut=True))
        self.assertEqual(chat(c).choices[0].message.content, "Echo: Hello!")
        self.assertEqual(len(fake.requests), 2)
        fake.script(Scripted(body={"id": "chatcmpl-cut", "choices": []}, cut=True))
        c0, _ = client(max_retries=0)
        with self.assertRaises(APIConnectionError):
            chat(c0)


class Streams(unittest.TestCase):
    def setUp(self) -> None:
        fake.reset()

    def stream(self, c: Sociaro, **extra: Any) -> Any:
        return c.chat.completions.create(model="openai/gpt-4o", messages=[{"role": "user", "content": "a b c d e f g h"}], stream=True, **extra)

    def test_an_error_status_before_the_stream_raises_before_iteration(self) -> None:
        c, _ = client(max_retries=0)
        fake.script(error_answer(429, {"x-should-retry": "false"}))
        with self.assertRaises(RateLimitError):
            self.stream(c)

    def test_a_stream_cut_midway_raises_api_connection_error(self) -> None:
        c, _ = client(max_retries=0)
        events = b'data: {"object":"chat.completion.chunk","choices":[]}\n\ndata: {"object":"chat.completion.chunk","choices":[]}\n\n'
        fake.script(Scripted(body=events, headers={"content-type": "text/event-stream"}, cut=True))
        stream = self.stream(c)
        with self.assertRaises(APIConnectionError):
            list(stream)
        self.assertTrue(stream.closed)

    def test_an_error_event_in_the_stream_raises_api_error_with_its_body(self) -> None:
        c, _ = client(max_retries=0)
        error = {"error": {"message": "upstream overloaded mid-stream", "type": "api_error", "code": None, "param": None}}
        body = b'data: {"object":"chat.completion.chunk","choices":[]}\n\n' + b"data: " + json.dumps(error).encode() + b"\n\n"
        fake.script(Scripted(body=body, headers={"content-type": "text/event-stream"}))
        stream = self.stream(c)
        first = next(stream)
        self.assertEqual(first.object, "chat.completion.chunk")
        with self.assertRaises(APIError) as caught:
            next(stream)
        self.assertEqual(caught.exception.message, "upstream overloaded mid-stream")
        self.assertEqual(caught.exception.body, error)
        self.assertTrue(stream.closed)

    def test_closing_a_stream_early_hangs_up_on_the_server(self) -> None:
        c, _ = client(max_retries=0)
        # 0.2 s between events: the server is still writing when the client leaves.
        with self.stream(c, metadata={"fake_gap_seconds": 0.2}) as stream:
            next(stream)
        deadline = time.monotonic() + 10
        while fake.aborted_streams == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(fake.aborted_streams, 1)


if __name__ == "__main__":
    unittest.main()
