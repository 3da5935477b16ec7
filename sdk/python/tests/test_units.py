"""Pure parts of the SDK: result objects, the retry schedule, SSE framing, configuration and the official clients."""
from __future__ import annotations

import email.utils
import os
import sys
import types
import unittest
from typing import Any, Dict, List
from unittest import mock

from sociaro import Sociaro, SociaroError, SociaroList, SociaroObject
from sociaro._resources import model_path
from sociaro._retry import retry_delay, server_delay, should_retry_status
from sociaro._streaming import MAX_EVENT_BYTES, iter_events


class Objects(unittest.TestCase):
    def test_attributes_keys_and_the_raw_json_are_the_same_data(self) -> None:
        raw = {"choices": [{"message": {"content": "hi", "role": "assistant"}}], "usage": {"total_tokens": 3}, "extra_field": [1, {"a": 2}]}
        obj = SociaroObject(raw, "req_1")
        self.assertEqual(obj.choices[0].message.content, "hi")
        self.assertEqual(obj.usage.total_tokens, 3)
        self.assertEqual(obj.extra_field[1].a, 2)
        self.assertIs(obj.to_dict(), raw)
        self.assertEqual(obj["usage"]["total_tokens"], 3)
        self.assertEqual(obj._request_id, "req_1")
        self.assertIn("usage", obj)
        self.assertIsNone(obj.get("missing"))
        self.assertIsNone(getattr(obj, "missing", None))
        with self.assertRaises(AttributeError):
            obj.missing
        with self.assertRaises(AttributeError):
            obj.usage = 1  # type: ignore[misc]
        self.assertEqual(obj, raw)
        self.assertIn("choices", dir(obj))
        self.assertIn('"total_tokens": 3', obj.to_json())

    def test_a_list_iterates_indexes_and_counts_its_data(self) -> None:
        models = SociaroList({"object": "list", "data": [{"id": "openai/gpt-4o"}, {"id": "mock/mock-gpt"}]})
        self.assertEqual([m.id for m in models], ["openai/gpt-4o", "mock/mock-gpt"])
        self.assertEqual(len(models), 2)
        self.assertEqual(models[1].id, "mock/mock-gpt")
        self.assertEqual(models["object"], "list")


class RetrySchedule(unittest.TestCase):
    def test_which_statuses_are_retried(self) -> None:
        for status in (408, 409, 429, 500, 502, 503, 504):
            self.assertTrue(should_retry_status(status, {}), status)
        for status in (400, 401, 403, 404, 413, 422):
            self.assertFalse(should_retry_status(status, {}), status)
        self.assertFalse(should_retry_status(503, {"x-should-retry": "false"}))
        self.assertTrue(should_retry_status(400, {"x-should-retry": "true"}))

    def test_server_delays(self) -> None:
        self.assertEqual(server_delay({"retry-after-ms": "250", "retry-after": "9"}), 0.25)
        self.assertEqual(server_delay({"retry-after": "2"}), 2.0)
        self.assertEqual(server_delay({"retry-after-ms": "junk", "retry-after": "2"}), 2.0)
        self.assertIsNone(server_delay({"retry-after": "not a date"}))
        self.assertIsNone(server_delay({}))
        now = 1_800_000_000.0
        date = email.utils.formatdate(now + 5, usegmt=True)
        self.assertAlmostEqual(server_delay({"retry-after": date}, now=lambda: now) or 0, 5.0, places=3)

    def test_backoff_doubles_to_a_cap_with_up_to_a_quarter_of_jitter(self) -> None:
        self.assertEqual([retry_delay(left, 5, jitter=lambda: 0.0) for left in (5, 4, 3, 2, 1)], [0.5, 1.0, 2.0, 4.0, 8.0])
        self.assertEqual(retry_delay(1, 10, jitter=lambda: 0.0), 8.0)
        self.assertEqual(retry_delay(2, 2, jitter=lambda: 1.0), 0.375)
        self.assertEqual(retry_delay(2, 2, {"retry-after": "61"}, jitter=lambda: 0.0), 0.5)
        self.assertEqual(retry_delay(2, 2, {"retry-after": "-3"}, jitter=lambda: 0.0), 0.5)
        self.assertEqual(retry_delay(2, 2, {"retry-after": "60"}), 60.0)


class Lines:
    """Feeds iter_events as an HTTP response would, line by line."""

    truncated = False

    def __init__(self, text: bytes) -> None:
        self.lines = text.splitlines(keepends=True)

    def readline(self, limit: int) -> bytes:
        return self.lines.pop(0)[:limit] if self.lines else b""


class ServerSentEvents(unittest.TestCase):
    def events(self, raw: bytes) -> List[Any]:
        return [(e.event, e.data) for e in iter_events(Lines(raw))]  # type: ignore[arg-type]

    def test_framing(self) -> None:
        raw = b": keep-alive\n\nevent: response.created\r\ndata: {\"a\":1}\r\n\r\ndata: line one\ndata:line two\nid: 7\n\ndata: last without blank line"
        self.assertEqual(self.events(raw), [("response.created", '{"a":1}'), (None, "line one\nline two"), (None, "last without blank line")])

    def test_a_line_over_the_limit_is_refused(self) -> None:
        from sociaro import APIError

        with self.assertRaises(APIError):
            self.events(b"data: " + b"x" * (MAX_EVENT_BYTES + 10) + b"\n\n")


class Configuration(unittest.TestCase):
    def test_the_environment_supplies_the_key_and_base_url_and_arguments_win(self) -> None:
        with mock.patch.dict(os.environ, {"SOCIARO_API_KEY": "gw_live_env", "SOCIARO_BASE_URL": "https://gw.example.com/"}):
            c = Sociaro()
            self.assertEqual((c.api_key, c.base_url), ("gw_live_env", "https://gw.example.com"))
            c = Sociaro(api_key="gw_live_arg", base_url="http://10.0.0.2:9000/prefix/")
            self.assertEqual((c.api_key, c.base_url), ("gw_live_arg", "http://10.0.0.2:9000/prefix"))
        with mock.patch.dict(os.environ, {}, clear=True):
            c = Sociaro(api_key="k")
            self.assertEqual(c.base_url, "http://127.0.0.1:8080")
            self.assertEqual((c.timeout, c.max_retries), (600.0, 2))
            with self.assertRaises(SociaroError) as caught:
                Sociaro()
            self.assertIn("SOCIARO_API_KEY", str(caught.exception))

    def test_a_base_url_that_is_not_http_is_refused(self) -> None:
        for bad in ("ftp://x", "127.0.0.1:8080", "http://host/?q=1"):
            with self.assertRaises(SociaroError, msg=bad):
                Sociaro(api_key="k", base_url=bad)

    def test_model_paths_keep_their_slashes_and_refuse_dot_segments(self) -> None:
        self.assertEqual(model_path("openrouter/anthropic/claude-sonnet-4.5"), "openrouter/anthropic/claude-sonnet-4.5")
        self.assertEqual(model_path("custom/a b?c"), "custom/a%20b%3Fc")
        for bad in ("gpt-4o", "openai/../me", "openai//x", "/x"):
            with self.assertRaises(ValueError, msg=bad):
                model_path(bad)

    def test_usage_refuses_an_unknown_grouping(self) -> None:
        with self.assertRaises(ValueError):
            Sociaro(api_key="k").usage(group_by="week")


class OfficialClients(unittest.TestCase):
    def fake_module(self, name: str, cls: str) -> "tuple[types.ModuleType, List[Dict[str, Any]]]":
        created: List[Dict[str, Any]] = []
        module = types.ModuleType(name)

        class Client:
            def __init__(self, **kwargs: Any) -> None:
                created.append(kwargs)

        setattr(module, cls, Client)
        return module, created

    def test_openai_points_at_the_unified_endpoint_with_this_key(self) -> None:
        module, created = self.fake_module("openai", "OpenAI")
        with mock.patch.dict(sys.modules, {"openai": module}):
            Sociaro(api_key="gw_live_k", base_url="http://gw:8080", timeout=30, max_retries=1).openai(max_retries=5)
        self.assertEqual(created, [{"api_key": "gw_live_k", "base_url": "http://gw:8080/v1", "timeout": 30.0, "max_retries": 5}])

    def test_anthropic_points_at_the_native_pass_through(self) -> None:
        module, created = self.fake_module("anthropic", "Anthropic")
        with mock.patch.dict(sys.modules, {"anthropic": module}):
            Sociaro(api_key="gw_live_k", base_url="http://gw:8080").anthropic()
        self.assertEqual(created[0]["base_url"], "http://gw:8080/anthropic")
        self.assertEqual(created[0]["api_key"], "gw_live_k")

    def test_a_missing_package_is_a_clear_import_error(self) -> None:
        # None in sys.modules makes `import` fail as it does when the package is not installed.
        with mock.patch.dict(sys.modules, {"openai": None, "anthropic": None}):
            with self.assertRaises(ImportError) as caught:
                Sociaro(api_key="k").openai()
            self.assertIn("pip install openai", str(caught.exception))
            with self.assertRaises(ImportError) as caught:
                Sociaro(api_key="k").anthropic()
            self.assertIn("pip install anthropic", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
