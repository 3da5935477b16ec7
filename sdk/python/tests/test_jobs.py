"""client.jobs against a real gateway holding jobs of this key (test/sdk/sdk-jobs-gateway.test.ts sets it up), and its argument checks.

Environment (the gateway tests are skipped without it):
  SOCIARO_TEST_GATEWAY_URL, SOCIARO_TEST_API_KEY   the gateway and a key with jobs
  SOCIARO_TEST_JOBS    JSON: {"mine": [job ids, newest first], "succeeded": the one succeeded job, "foreign": another key's job}
"""
from __future__ import annotations

import json
import os
import unittest

import sociaro
from sociaro._resources import JOB_STATUSES


class JobArguments(unittest.TestCase):
    def setUp(self) -> None:
        self.client = sociaro.Sociaro(api_key="gw_live_x", base_url="http://127.0.0.1:9", max_retries=0)

    def test_bad_status_limit_and_id_are_refused_before_any_request(self) -> None:
        with self.assertRaises(ValueError):
            self.client.jobs.list(status="sleeping")
        for limit in (0, 201, True, 2.5):
            with self.assertRaises(ValueError):
                self.client.jobs.list(limit=limit)  # type: ignore[arg-type]
        for job_id in ("", "../admin", "a" * 65, "job 1"):
            with self.assertRaises(ValueError):
                self.client.jobs.retrieve(job_id)

    def test_statuses_are_the_gateways(self) -> None:
        self.assertEqual(JOB_STATUSES, ("queued", "running", "succeeded", "failed", "canceled", "expired", "unknown"))


@unittest.skipUnless(os.environ.get("SOCIARO_TEST_JOBS"), "needs a gateway with jobs (SOCIARO_TEST_JOBS)")
class JobsAgainstGateway(unittest.TestCase):
    def setUp(self) -> None:
        self.jobs = json.loads(os.environ["SOCIARO_TEST_JOBS"])
        self.client = sociaro.Sociaro(api_key=os.environ["SOCIARO_TEST_API_KEY"], base_url=os.environ["SOCIARO_TEST_GATEWAY_URL"], max_retries=0)

    def test_list_newest_first_with_typed_fields(self) -> None:
        page = self.client.jobs.list()
        self.assertEqual(page.object, "list")
        self.assertEqual([job.id for job in page], self.jobs["mine"])
        self.assertIsNone(page.next_cursor)
        self.assertTrue(page._request_id)
        job = page[0]
        for field in ("provider", "provider_job_id", "model", "kind", "status", "raw_status", "created_at", "updated_at", "finished_at",
                      "result_expires_at", "reserved_usd", "cost_usd", "cost_status", "settled"):
            self.assertIn(field, job)
        self.assertNotIn("upstream_base", job)

    def test_status_filter(self) -> None:
        done = self.client.jobs.list(status="succeeded")
        self.assertEqual([job.id for job in done], [self.jobs["succeeded"]])
        self.assertEqual(done[0].status, "succeeded")
        self.assertTrue(done[0].settled)
        self.assertEqual(done[0].cost_status, "priced")
        self.assertGreater(done[0].cost_usd, 0)
        self.assertEqual(len(self.client.jobs.list(status="failed")), 0)

    def test_cursor_pages_and_list_all(self) -> None:
        first = self.client.jobs.list(limit=1)
        self.assertEqual([job.id for job in first], self.jobs["mine"][:1])
        self.assertIsNotNone(first.next_cursor)
        second = self.client.jobs.list(limit=1, cursor=first.next_cursor)
        self.assertEqual([job.id for job in second], self.jobs["mine"][1:2])
        self.assertEqual([job.id for job in self.client.jobs.list_all(limit=1)], self.jobs["mine"])
        with self.assertRaises(sociaro.BadRequestError):
            self.client.jobs.list(cursor="not-a-cursor")

    def test_retrieve_own_and_not_anothers(self) -> None:
        job = self.client.jobs.retrieve(self.jobs["succeeded"])
        self.assertEqual((job.id, job.status), (self.jobs["succeeded"], "succeeded"))
        with self.assertRaises(sociaro.NotFoundError) as caught:
            self.client.jobs.retrieve(self.jobs["foreign"])
        self.assertIn("No job", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
