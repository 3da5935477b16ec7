// The SQL of the job poller's writes (lease, slot claims, error counts), run where the database's writes are made.
import type { Client } from '@libsql/client'
import type { JobPollWrite } from '../types/job-poll-write.ts'
import { holdLease, releaseLease } from './poll-lease.ts'
import { applyWebhookWrite } from './webhook-writes.ts'

export const POLLER_LEASE = 'job-poller'

/** Rows changed (for `lease`: 1 when the holder holds it). */
export async function applyPollWrite(client: Client, write: JobPollWrite): Promise<number> {
  switch (write.op) {
    case 'lease':
      return (await holdLease(client, POLLER_LEASE, write.holder, write.now, write.ttlMs)) ? 1 : 0
    case 'release':
      await releaseLease(client, POLLER_LEASE, write.holder)
      return 1
    case 'claim': {
      const result = await client.execute({
        sql: 'UPDATE jobs SET next_poll_at = ?, poll_attempts = poll_attempts + 1 WHERE id = ? AND next_poll_at IS ? AND settled_at IS NULL',
        args: [write.next, write.id, write.expected],
      })
      return result.rowsAffected
    }
    case 'poll-error':
      return (await client.execute({ sql: 'UPDATE jobs SET poll_errors = poll_errors + 1 WHERE id = ?', args: [write.id] })).rowsAffected
    case 'unfollow':
      return (await client.execute({ sql: 'UPDATE jobs SET next_poll_at = NULL WHERE id = ? AND settled_at IS NULL', args: [write.id] })).rowsAffected
    case 'webhook-claim':
    case 'webhook-result':
      return applyWebhookWrite(client, write)
  }
}
