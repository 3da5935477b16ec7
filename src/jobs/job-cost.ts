// A job's cost in the ledger follows its one usage row: the statement that copies the row's cost onto the job, wherever the row changes.
import type { InStatement } from '@libsql/client'

/** Every job's id (and so its usage row's request id) starts so (src/auth/key-format.ts newId('job')). */
export const JOB_ID_PREFIX = 'job_'

/** Run in the same write as the usage row's change: the job then shows what its row says, never another figure. */
export function jobCostStatement(jobId: string, costMicros: number | null, costStatus: string): InStatement {
  return { sql: 'UPDATE jobs SET cost_micros = ?, cost_status = ? WHERE id = ? AND settled_at IS NOT NULL', args: [costMicros, costStatus, jobId] }
}
