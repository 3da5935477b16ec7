// Writes of the provider-object ledger and of the jobs it carries, run by the metering worker (or by a gateway without one).
import type { Client, InStatement } from '@libsql/client'
import { observeJob, submitStatement } from '../jobs/job-writes.ts'
import type { SettlementContext } from '../jobs/job-settlement.ts'
import type { UsageRecord } from '../metering/worker/usage-record.ts'
import { settlementOf } from '../metering/worker/job-records.ts'
import type { Settlement } from '../metering/protocol/meter-job.ts'
import { builtInProvider } from '../providers/registry.ts'
import type { LedgerWrite } from '../types/ledger-write.ts'

function statementOf(write: Exclude<LedgerWrite, { op: 'job-observe' }>): InStatement {
  switch (write.op) {
    case 'create':
      // The first owner stays the owner: a provider answering with an id the ledger already holds changes nothing.
      return {
        sql: `INSERT INTO provider_objects (provider, object_id, kind, org_id, key_id, request_id, created_at, updated_at, status, snapshot, batch_input)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, object_id) DO NOTHING`,
        args: [write.provider, write.objectId, write.kind, write.orgId, write.keyId, write.requestId, write.at, write.at, write.status, write.snapshot, write.batchInput ?? null],
      }
    case 'delete':
      return {
        sql: 'UPDATE provider_objects SET deleted_at = ?, updated_at = ? WHERE provider = ? AND object_id = ? AND deleted_at IS NULL',
        args: [write.at, write.at, write.provider, write.objectId],
      }
    case 'refresh':
      return {
        sql: 'UPDATE provider_objects SET status = coalesce(?, status), snapshot = coalesce(?, snapshot), updated_at = ? WHERE provider = ? AND object_id = ?',
        args: [write.status, write.snapshot, write.at, write.provider, write.objectId],
      }
    case 'job-submit':
      return submitStatement(write)
  }
}

const NO_OVERRIDES: SettlementContext = { overrides: [], providers: builtInProvider }

/**
 * Object rows and job submits in one transaction, in order (a create and its delete may travel together); then each
 * job observation in a transaction of its own (src/jobs/job-store.ts), after the submits it may follow. Returns the
 * usage rows of the jobs this call settled (budgets and metrics hear of them like any row).
 */
export async function writeObjects(client: Client, writes: readonly LedgerWrite[], jobs: SettlementContext = NO_OVERRIDES): Promise<SettledJob[]> {
  const rows = writes.filter((write) => write.op !== 'job-observe')
  if (rows.length > 0) await client.batch(rows.map(statementOf), 'write')
  const settled: SettledJob[] = []
  for (const write of writes) {
    if (write.op !== 'job-observe') continue
    const { settled: record, job } = await observeJob(client, write, jobs)
    if (record && job) settled.push({ record, reservation: job.requestId })
  }
  return settled
}

/** A job's one usage row, and the submit whose budget reservation it settles. */
export interface SettledJob {
  readonly record: UsageRecord
  readonly reservation: string
}

/** What budgets and metrics hear of a settled job (src/metering/meter-job.ts Settlement). */
export function jobSettlement(job: SettledJob): Settlement {
  return { ...settlementOf(job.record), reservation: job.reservation, jobDurationMs: job.record.durationMs }
}

