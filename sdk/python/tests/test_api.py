"""The SDK's surface against a gateway: the in-test fake by default, a real one with SOCIARO_TEST_GATEWAY_URL.

Every test here holds for any gateway that implements the unified contract (see gateway_target.py for the
environment); assertions on the fake's recorded requests run only when the fake is the target.
"""
from __future__ import annotations

import contextlib
import io
import os
import unittest
from typing import Any, Optional
from unittest import mock

import sociaro
from .gateway_target import Target, close_target, open_target
from sociaro import (
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    Sociaro,
    Stream,
)

# The snippet from the README and issue #11, verbatim.
README_SNIPPET = '''
from sociaro import Sociaro
client = Sociaro(api_key="gw_live_...")
response = client.chat.completions.create(
    model="openai/gpt-4o",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(response.choices[0].message.content)
'''

target: Optional[Target] = None


def setUpModule() -> None:
    global target
    target = open_target()


def tearDownModule() -> None:
    if target is not None:
        close_target(target)


def gw() -> Target:
    assert target is not None
    return target


def client(**options: Any) -> Sociaro:
    settings: dict = {"api_key": gw().key, "base_url": gw().url, "timeout": 30, "max_retries": 0}
    settings.update(options)
    return Sociaro(**settings)


def ask(text: str = "Hello!") -> list:
    return [{"role": "user", "content": text}]


class ReadmeSnippet(unittest.TestCase):
    def test_the_snippet_runs_as_written_with_the_base_url_from_the_environment(self) -> None:
        source = README_SNIPPET.replace("gw_live_...", gw().key).replace("openai/gpt-4o", gw().model)
        out = io.StringIO()
        with mock.patch.dict(os.environ, {"SOCIARO_BASE_URL": gw().url}), contextlib.redirect_stdout(out):
            exec(compile(source, "README.md", "exec"), {})
        printed = out.getvalue().strip()
        self.assertTrue(printed, "the snippet printed nothing")
        if gw().fake:
            self.assertEqual(printed, "Echo: Hello!")
            self.assertEqual(gw().fake.requests[-1].path, "/v1/chat/completions")


class ChatCompletions(unittest.TestCase):
    def test_attribute_access_over_the_raw_json(self) -> None:
        response = client().chat.completions.create(model=gw().model, messages=ask("Count to three."))
        content = response.choices[0].message.content
        self.assertIsInstance(content, str)
        self.assertTrue(content)
        usage = response.usage
        self.assertEqual(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens)
        raw = response.to_dict()
        self.assertIsInstance(raw, dict)
        self.assertEqual(raw["choices"][0]["message"]["content"], content)
        self.assertEqual(response["choices"][0]["message"]["content"], content)
        self.assertEqual(response.object, "chat.completion")
        self.assertTrue(response._request_id, "no x-sociaro-request-id reached the result")
        if gw().fake:
            self.assertEqual(content, "Echo: Count to three.")
            sent = gw().fake.requests[-1]
            self.assertEqual(sent.body, {"model": gw().model, "messages": ask("Count to three.")})
            self.assertEqual(sent.headers["authorization"], f"Bearer {gw().key}")
            self.assertEqual(sent.headers["content-type"], "application/json")
            self.assertTrue(sent.headers["user-agent"].startswith("sociaro-python/"))

    def test_streaming_yields_chunks_then_closes_the_connection(self) -> None:
        stream = client().chat.completions.create(
            model=gw().model, messages=ask("Stream this."), stream=True, stream_options={"include_usage": True}
        )
        self.assertIsInstance(stream, Stream)
        self.assertTrue(stream.request_id)
        text, finish, usage = "", None, None
        for chunk in stream:
            self.assertEqual(chunk.object, "chat.completion.chunk")
            for choice in chunk.choices:
                text += choice.delta.get("content") or ""
                finish = choice.finish_reason or finish
            usage = chunk.get("usage") or usage
        self.assertTrue(stream.closed)
        self.assertTrue(text)
        self.assertEqual(finish, "stop")
        self.assertIsNotNone(usage)
        self.assertGreater(usage.completion_tokens, 0)
        if gw().fake:
            self.assertEqual(text, "Echo: Stream this.")
            self.assertIs(gw().fake.requests[-1].body["stream"], True)
            self.assertEqual(gw().fake.requests[-1].headers["accept"], "text/event-stream")

    def test_a_stream_left_early_in_a_with_block_is_closed_and_the_client_still_works(self) -> None:
        c = client()
        with c.chat.completions.create(model=gw().model, messages=ask("one two three four five"), stream=True) as stream:
            first = next(iter(stream))
            self.assertEqual(first.object, "chat.completion.chunk")
        self.assertTrue(stream.closed)
        self.assertTrue(c.chat.completions.create(model=gw().model, messages=ask()).choices[0].message.content)


class Embeddings(unittest.TestCase):
    def test_one_vector_per_input(self) -> None:
        result = client().embeddings.create(model=gw().embedding_model, input=["first text", "second text"])
        self.assertEqual(len(result.data), 2)
        self.assertEqual([item.index for item in result.data], [0, 1])
        self.assertTrue(all(isinstance(x, float) for x in result.data[0].embedding))
        self.assertGreater(result.usage.prompt_tokens, 0)


class Responses(unittest.TestCase):
    def test_json(self) -> None:
        gw().require("responses")
        result = client().responses.create(model=gw().model, input="Say hi.")
        self.assertEqual(result.object, "response")
        texts = [part.text for item in result.output if item.type == "message" for part in item.content if part.type == "output_text"]
        self.assertTrue("".join(texts))

    def test_stream_of_typed_events(self) -> None:
        gw().require("responses")
        with client().responses.create(model=gw().model, input="Say hi.", stream=True) as stream:
            events = list(stream)
        types = [event.type for event in events]
        self.assertEqual(types[0], "response.created")
        self.assertEqual(types[-1], "response.completed")
        self.assertTrue("".join(e.delta for e in events if e.type == "response.output_text.delta"))


class Models(unittest.TestCase):
    def test_list_is_openai_shaped_and_iterable(self) -> None:
        models = client().models.list()
        self.assertEqual(models.object, "list")
        ids = [m.id for m in models]
        self.assertEqual(len(ids), len(models))
        self.assertTrue(ids)
        self.assertTrue(all(m.object == "model" for m in models))
        if "provider_prefix" not in gw().skip:
            self.assertTrue(all("/" in i for i in ids), ids)
        # Where a price is known it says whether it is the list price or the caller's override.
        self.assertTrue(all(m.pricing.source in ("list", "override") for m in models if m.get("pricing") is not None))
        if gw().fake:
            self.assertEqual(models[0].pricing.input_per_million_usd, 2.5)
            self.assertEqual([m.get("pricing") and m.pricing.source for m in models][:2], ["list", "override"])

    def test_retrieve_one_and_a_missing_one(self) -> None:
        gw().require("models_retrieve")
        c = client()
        first = next(iter(c.models.list()))
        self.assertEqual(c.models.retrieve(first.id).id, first.id)
        with self.assertRaises(NotFoundError) as caught:
            c.models.retrieve("openai/no-such-model-anywhere")
        self.assertEqual(caught.exception.status_code, 404)


class KeySelfService(unittest.TestCase):
    def test_me(self) -> None:
        gw().require("me")
        me = client().me()
        for name in ("name", "organization", "allowed_models", "limits"):
            self.assertIn(name, me)

    def test_usage_grouped_by_day_and_by_model(self) -> None:
        gw().require("usage")
        by_day = client().usage(from_="2026-01-01", to="2036-01-01", group_by="day")
        self.assertIsInstance(by_day.to_dict()["data"], list)
        by_model = client().usage(group_by="model")
        self.assertIsInstance(by_model.to_dict()["data"], list)
        # Days are the organization's reporting days: the report names the zone, each day row its local date and start.
        self.assertIsInstance(by_day.time_zone, str)
        for row in by_day.data:
            self.assertRegex(row.day, r"^\d{4}-\d{2}-\d{2}$")
            self.assertTrue(row.starts_at.endswith("Z"))
        self.assertIn("requests", by_day.totals)
        if gw().fake:
            self.assertEqual([by_day.time_zone, by_day.data[0].day, by_day.data[0].starts_at], ["America/Los_Angeles", "2026-12-01", "2026-12-01T08:00:00.000Z"])
        if gw().fake:
            self.assertEqual(gw().fake.requests[-2].query, {"from": ["2026-01-01"], "to": ["2036-01-01"], "group_by": ["day"]})
            self.assertEqual(by_model.data[0].model, "openai/gpt-4o")


class Refusals(unittest.TestCase):
    def test_a_wrong_key_is_an_authentication_error_with_the_request_id_and_body(self) -> None:
        with self.assertRaises(AuthenticationError) as caught:
            client(api_key="gw_live_not_a_real_key_000000", max_retries=2).chat.completions.create(model=gw().model, messages=ask())
        error = caught.exception
        self.assertIsInstance(error, APIStatusError)
        self.assertIsInstance(error, APIError)
        self.assertEqual(error.status_code, 401)
        self.assertTrue(error.request_id)
        self.assertIsInstance(error.body, dict)
        self.assertTrue(error.body["error"]["message"])
        self.assertEqual(error.message, error.body["error"]["message"])
        if gw().fake:
            self.assertEqual(len(gw().fake.requests), 1 + self.requests_before, "a 401 must not be retried")

    def setUp(self) -> None:
        self.requests_before = len(gw().fake.requests) if gw().fake else 0

    def test_a_bare_model_name_is_a_bad_request(self) -> None:
        gw().require("provider_prefix")
        with self.assertRaises(BadRequestError) as caught:
            client().chat.completions.create(model="gpt-4o-without-a-provider", messages=ask())
        self.assertEqual(caught.exception.status_code, 400)
        self.assertIn("provider/model", caught.exception.message)

    def test_a_model_outside_the_allowlist_is_permission_denied(self) -> None:
        with self.assertRaises(PermissionDeniedError) as caught:
            client().chat.completions.create(model=gw().denied_model, messages=ask())
        self.assertEqual(caught.exception.status_code, 403)
        self.assertTrue(caught.exception.request_id)


class PackageSurface(unittest.TestCase):
    def test_every_documented_name_is_exported(self) -> None:
        for name in ("Sociaro", "APIError", "APIStatusError", "AuthenticationError", "PermissionDeniedError", "NotFoundError",
                     "BadRequestError", "RateLimitError", "InternalServerError", "APIConnectionError", "APITimeoutError"):
            self.assertTrue(hasattr(sociaro, name), name)
        self.assertTrue(issubclass(sociaro.APITimeoutError, sociaro.APIConnectionError))
        self.assertTrue(issubclass(sociaro.APIConnectionError, sociaro.APIError))
        self.assertTrue(issubclass(sociaro.RateLimitError, sociaro.APIStatusError))


if __name__ == "__main__":
    unittest.main()
