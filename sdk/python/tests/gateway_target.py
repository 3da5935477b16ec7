"""Which gateway the contract tests talk to: the fake in this folder, or a real one named by the environment.

Environment (all optional; without SOCIARO_TEST_GATEWAY_URL the suite starts `fake_gateway.FakeGateway`):
  SOCIARO_TEST_GATEWAY_URL      the base URL, e.g. http://127.0.0.1:8080 (the unified endpoint), or
                                http://127.0.0.1:8080/mock to drive the built-in mock provider's native routes
  SOCIARO_TEST_API_KEY          a gw_live_ key allowed SOCIARO_TEST_MODEL and SOCIARO_TEST_EMBEDDING_MODEL
  SOCIARO_TEST_MODEL            a chat/responses model (default openai/gpt-4o)
  SOCIARO_TEST_EMBEDDING_MODEL  an embedding model (default openai/text-embedding-3-small)
  SOCIARO_TEST_DENIED_MODEL     a model the key's allowlist refuses (default mistral/mistral-large-latest)
  SOCIARO_TEST_SKIP             comma-separated capabilities the gateway under test lacks, whose tests are skipped:
                                provider_prefix (400 for a bare model), models_retrieve, me, usage, responses
"""
from __future__ import annotations

import os
import unittest
from dataclasses import dataclass, field
from typing import FrozenSet, Optional

from .fake_gateway import FAKE_KEY, FakeGateway


@dataclass
class Target:
    url: str
    key: str
    model: str
    embedding_model: str
    denied_model: str
    skip: FrozenSet[str] = field(default_factory=frozenset)
    # Set only when the suite runs against the in-test fake (its recorded requests can then be checked too).
    fake: Optional[FakeGateway] = None

    def require(self, capability: str) -> None:
        if capability in self.skip:
            raise unittest.SkipTest(f"the gateway under test lacks {capability} (SOCIARO_TEST_SKIP)")


def open_target() -> Target:
    url = os.environ.get("SOCIARO_TEST_GATEWAY_URL")
    model = os.environ.get("SOCIARO_TEST_MODEL", "openai/gpt-4o")
    embedding = os.environ.get("SOCIARO_TEST_EMBEDDING_MODEL", "openai/text-embedding-3-small")
    denied = os.environ.get("SOCIARO_TEST_DENIED_MODEL", "mistral/mistral-large-latest")
    if url:
        key = os.environ.get("SOCIARO_TEST_API_KEY")
        if not key:
            raise RuntimeError("SOCIARO_TEST_GATEWAY_URL is set, so SOCIARO_TEST_API_KEY must be too")
        skip = frozenset(s.strip() for s in os.environ.get("SOCIARO_TEST_SKIP", "").split(",") if s.strip())
        return Target(url.rstrip("/"), key, model, embedding, denied, skip)
    fake = FakeGateway().start()
    return Target(fake.url, FAKE_KEY, model, embedding, denied, frozenset(), fake)


def close_target(target: Target) -> None:
    if target.fake is not None:
        target.fake.stop()
