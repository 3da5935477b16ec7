// The webhook outbox as admins see it: an org's deliveries with their state and attempts, and a redelivery of one job's announcement.
import type { Client } from '@libsql/client'
import { findJob } from './job-store.ts'
import { webhookBody } from './webhook-writes.ts'

export type DeliveryState = 'pending' | 'delivered' | 'given_up'
export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'given_up']

export interface DeliveryView {
  readonly job_id: string
  readonly org_id: string
  readonly state: DeliveryState
  readonly attempts: number
  readonly created_at: string
  readonly next_attempt_at: string | null
  readonly delivered_at: string | null
  readonly gave_up_at: string | null
  /** The last attempt's HTTP status or error (a refusal says why the address was refused). */
  readonly last_result: string | null
}

const iso = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)).toISOString())

function deliveryView(row: Record<string, unknown>): DeliveryView {
  const state: DeliveryState = row.delivered_at !== null && row.delivered_at !== undefined ? 'delivered' : row.gave_up_at !== null && row.gave_up_at !== undefined ? 'given_up' : 'pending'
  return {
    job_id: String(row.job_id),
    org_id: String(row.org_id),
    state,
    attempts: Number(row.attempts),
    created_at: iso(row.created_at)!,
    next_attempt_at: iso(row.next_attempt_at),
    delivered_at: iso(row.delivered_at),
    gave_up_at: iso(row.gave_up_at),
    last_result: row.last_result === null || row.last_result === undefined ? null : String(row.last_result),
  }
}

const STATE_CLAUSE: Readonly<Record<DeliveryState, string>> = {
  pending: 'delivered_at IS NULL AND gave_up_at IS NULL',
  delivered: 'delivered_at IS NOT NULL',
  given_up: 'gave_up_at IS NOT NULL AND delivered_at IS NULL',
}

function encodeCursor(row: Record<string, unknown>): string {
  return Buffer.from(`${Number(row.created_at)}:${String(row.job_id)}`).toString('base64url')
}

function decodeCursor(cursor: string): { createdAt: number; jobId: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const at = text.indexOf(':')
  const createdAt = Number(text.slice(0, at))
  const jobId = text.slice(at + 1)
  return at > 0 && Number.isSafeInteger(createdAt) && /^job_[A-Za-z0-9]{1,64}$/.test(jobId) ? { createdAt, jobId } : undefined
}

/** One org's deliveries, newest first (the org index), at most `limit` (1–200); RangeError for a cursor this did not give. */
export async function deliveriesPage(client: Client, orgId: string, options: { state?: DeliveryState; cursor?: string; limit?: number } = {}): Promise<{ data: DeliveryView[]; next_cursor: string | null }> {
  const limit = Math.max(1, Math.min(200, Math.floor(options.limit ?? 50)))
  const clauses = ['org_id = ?']
  const args: (string | number)[] = [orgId]
  if (options.state) clauses.push(STATE_CLAUSE[options.state])
  if (options.cursor !== undefined) {
    const cursor = decodeCursor(options.cursor)
    if (!cursor) throw new RangeError('cursor is not one this API gave')
    clauses.push('(created_at < ? OR (created_at = ? AND job_id < ?))')
    args.push(cursor.createdAt, cursor.createdAt, cursor.jobId)
  }
  args.push(limit + 1)
  const result = await client.execute({ sql: `SELECT * FROM job_webhooks WHERE ${clauses.join(' AND ')} ORDER BY created_at DESC, job_id DESC LIMIT ?`, args })
  const rows = result.rows.map((row) => row as unknown as Record<string, unknown>)
  const page = rows.slice(0, limit)
  return { data: page.map(deliveryView), next_cursor: rows.length > limit ? encodeCursor(page.at(-1)!) : null }
}

export type RedeliveryOutcome =
  | { readonly ok: true; readonly delivery: DeliveryView }
  | { readonly ok: false; readonly reason: 'no_job' | 'not_settled' | 'no_webhook' }

/**
 * Queues one job's announcement again, due now with a fresh count of attempts: its body is the job as it is now
 * (a reprice since shows), signed at each attempt as always. Only a settled job of `orgId`, only while the org has
 * a webhook. A delivery already pending is moved up to now. Receivers dedupe on `job.id`.
 */
export async function redeliver(client: Client, orgId: string, jobId: string, now: number): Promise<RedeliveryOutcome> {
  const job = await findJob(client, jobId)
  // Another org's job reads exactly as a missing one.
  if (!job || job.orgId !== orgId) return { ok: false, reason: 'no_job' }
  if (job.settledAt === null) return { ok: false, reason: 'not_settled' }
  const queued = await client.execute({
    sql: `INSERT INTO job_webhooks (job_id, org_id, body, created_at, attempts, next_attempt_at)
          SELECT ?, id, ?, ?, 0, ? FROM orgs WHERE id = ? AND webhook_url IS NOT NULL
          ON CONFLICT (job_id) DO UPDATE SET body = excluded.body, attempts = 0, next_attempt_at = excluded.next_attempt_at,
            delivered_at = NULL, gave_up_at = NULL, last_result = 'redelivery requested'`,
    args: [job.id, webhookBody(job), now, now, orgId],
  })
  if (queued.rowsAffected !== 1) return { ok: false, reason: 'no_webhook' }
  const row = await client.execute({ sql: 'SELECT * FROM job_webhooks WHERE job_id = ?', args: [job.id] })
  return { ok: true, delivery: deliveryView(row.rows[0] as unknown as Record<string, unknown>) }
}
