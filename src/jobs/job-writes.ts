// Writes of the jobs ledger, run where usage rows are written (the metering worker): a submit's row, and the observation that settles a job exactly once.
import type { Client, InStatement } from '@libsql/client'
import { rollupDeltas } from '../metering/worker/rollups.ts'
import type { UsageRecord } from '../metering/worker/usage-record.ts'
import { recordStatements, rollupStatement } from '../metering/worker/usage-writer.ts'
import type { JobObserved, JobSubmitted } from '../types/ledger-write.ts'
import { jobFromRow, type StoredJob } from './job-store.ts'
import { isTerminal, JOB_STATUSES, type JobStatus } from './job-status.ts'
import { jobUsageRecord, type SettlementContext } from './job-settlement.ts'
import { outboxStatement } from './webhook-writes.ts'

/** The first submit answer with an id makes the row; the same id again (a retried write, another instance) changes nothing. */
export function submitStatement(write: JobSubmitted): InStatement {
  return {
    sql: `INSERT INTO jobs (id, provider, provider_job_id, org_id, key_id, request_id, model, kind, create_path, upstream_base, credential_ref, params,
            status, raw_status, created_at, updated_at, result_expires_at, reserved_micros, next_poll_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_job_id) DO NOTHING`,
    args: [
      write.id, write.provider, write.objectId, write.orgId, write.keyId, write.requestId, write.model, write.kind, write.createPath, write.upstreamBase,
      write.credentialRef, write.params, write.status, write.rawStatus, write.at, write.at, write.resultExpiresAt, write.reservedMicros, write.nextPollAt,
    ],
  }
}

/** A job's usage row, returned when this call settled it (undefined: it was settled before, is not over, or is unknown). */
export type Observation = { readonly settled: UsageRecord | undefined; readonly job: StoredJob | undefined }

/**
 * Applies one answer's news to its job in one write transaction. The first sight of a terminal state settles it:
 * `settled_at` is set only where it is null, and the usage row (with its rollups) is written only when this
 * transaction set it, so a job is billed once however many polls, pollers or instances see its end.
 */
export async function observeJob(client: Client, write: JobObserved, context: SettlementContext): Promise<Observation> {
  const transaction = await client.transaction('write')
  try {
    const found = await transaction.execute({ sql: 'SELECT * FROM jobs WHERE provider = ? AND provider_job_id = ?', args: [write.provider, write.objectId] })
    const row = found.rows[0]
    if (!row) {
      await transaction.commit()
      return { settled: undefined, job: undefined }
    }
    const job = jobFromRow(row)
    if (job.settledAt !== null) {
      await transaction.commit()
      return { settled: undefined, job }
    }
    let status = (JOB_STATUSES as readonly string[]).includes(write.status) ? (write.status as JobStatus) : 'unknown'
    // Past the provider's retention, a job it no longer knows has expired (DashScope's UNKNOWN): nothing was billed.
    const retentionMs = context.providers(job.provider)?.jobs?.retentionMs
    if (status === 'unknown' && retentionMs !== undefined && write.at >= job.createdAt + retentionMs) status = 'expired'
    // A batch is billed from its results: at its end they are read first (the poller, at once), then it settles.
    const resultsPath = write.resultsPath ?? job.resultsPath
    if (isTerminal(status) && resultsPath && !write.results && !write.gaveUp) {
      await transaction.execute({
        sql: `UPDATE jobs SET status = ?, raw_status = coalesce(?, raw_status), updated_at = max(updated_at, ?), finished_at = coalesce(finished_at, ?),
                results_path = ?, next_poll_at = ? WHERE id = ? AND settled_at IS NULL`,
        args: [status, write.rawStatus, write.at, write.at, resultsPath, write.at, job.id],
      })
      await transaction.commit()
      return { settled: undefined, job }
    }
    if (!isTerminal(status) && !write.gaveUp) {
      await transaction.execute({
        sql: 'UPDATE jobs SET status = ?, raw_status = coalesce(?, raw_status), updated_at = max(updated_at, ?) WHERE id = ? AND settled_at IS NULL',
        args: [status, write.rawStatus, write.at, job.id],
      })
      await transaction.commit()
      return { settled: undefined, job }
    }
    const end = { status, at: write.at, usage: write.usage, rawUsage: write.rawUsage, model: write.model, ...(write.gaveUp ? { gaveUp: true } : {}), ...(write.results ? { results: write.results } : {}) }
    const record = jobUsageRecord(job, end, context)
    const updated = await transaction.execute({
      sql: `UPDATE jobs SET status = ?, raw_status = coalesce(?, raw_status), updated_at = ?, finished_at = ?, cost_micros = ?, cost_status = ?,
              raw_usage = ?, settled_at = ?, next_poll_at = NULL WHERE id = ? AND settled_at IS NULL`,
      args: [status, write.rawStatus, write.at, write.at, record.costMicros, record.costStatus, write.rawUsage, write.at, job.id],
    })
    if (updated.rowsAffected !== 1) {
      await transaction.commit()
      return { settled: undefined, job }
    }
    const settledJob: StoredJob = {
      ...job, status, rawStatus: write.rawStatus ?? job.rawStatus, updatedAt: write.at, finishedAt: write.at,
      costMicros: record.costMicros, costStatus: record.costStatus, rawUsage: write.rawUsage, settledAt: write.at, nextPollAt: null,
    }
    // The webhook's outbox row commits with the settlement or not at all (src/jobs/webhook-writes.ts).
    await transaction.batch([...recordStatements([record]), ...rollupDeltas([record]).map(rollupStatement), outboxStatement(settledJob, write.at)])
    await transaction.commit()
    return { settled: record, job }
  } finally {
    transaction.close()
  }
}

