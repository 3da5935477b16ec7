// The SQL of the webhook outbox (table job_webhooks): its row at settlement, and each delivery attempt's claim and outcome.
import type { Client, InStatement } from '@libsql/client'
import type { JobPollWrite } from '../types/job-poll-write.ts'
import { keyJobView } from './jobs-service.ts'
import type { StoredJob } from './job-store.ts'

/** What a receiver gets: the job as its key holder sees it (no upstream, credential or key), and its org. */
export function webhookBody(job: StoredJob): string {
  return JSON.stringify({ type: 'job.settled', job: { ...keyJobView(job), org_id: job.orgId } })
}

/**
 * The outbox row of a job just settled, only when its org has a webhook; run in the settling transaction, so the
 * announcement exists exactly when the settlement does. A job is settled once, and the row is keyed by the job.
 */
export function outboxStatement(job: StoredJob, at: number): InStatement {
  return {
    sql: `INSERT INTO job_webhooks (job_id, org_id, body, created_at, attempts, next_attempt_at)
          SELECT ?, id, ?, ?, 0, ? FROM orgs WHERE id = ? AND webhook_url IS NOT NULL ON CONFLICT (job_id) DO NOTHING`,
    args: [job.id, webhookBody(job), at, at, job.orgId],
  }
}

export async function applyWebhookWrite(client: Client, write: Extract<JobPollWrite, { op: 'webhook-claim' | 'webhook-result' }>): Promise<number> {
  if (write.op === 'webhook-claim') {
    const claimed = await client.execute({
      sql: 'UPDATE job_webhooks SET next_attempt_at = ?, attempts = attempts + 1 WHERE job_id = ? AND next_attempt_at = ?',
      args: [write.next, write.jobId, write.expected],
    })
    return claimed.rowsAffected
  }
  const done = await client.execute({
    sql: `UPDATE job_webhooks SET last_result = ?, next_attempt_at = ?, delivered_at = CASE WHEN ? THEN ? ELSE delivered_at END,
            gave_up_at = CASE WHEN ? = 0 AND ? IS NULL THEN ? ELSE gave_up_at END
          WHERE job_id = ? AND delivered_at IS NULL AND gave_up_at IS NULL`,
    args: [write.result.slice(0, 200), write.next, write.delivered ? 1 : 0, write.at, write.delivered ? 1 : 0, write.next, write.at, write.jobId],
  })
  return done.rowsAffected
}
