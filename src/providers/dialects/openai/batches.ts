// OpenAI's Batch API as jobs: POST /v1/batches submits, GET /v1/batches/{id} polls, the output file's lines are billed at half price.
import type { JobChild, JobReading, JobRules, JobStatus, ResultLine } from '../../../types/jobs.ts'
import { dig, rec, str } from '../../../wire/fields.ts'
import { pickScalars } from '../../../wire/request-fields.ts'
import { openaiUsage } from './usage.ts'

const POLL = /^\/v1\/batches\/[^/]+$/

const STATUS: Readonly<Record<string, JobStatus>> = {
  validating: 'queued',
  in_progress: 'running',
  finalizing: 'running',
  cancelling: 'running',
  completed: 'succeeded',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'canceled',
}

function read(body: unknown): JobReading | undefined {
  const batch = rec(body)
  const id = str(batch?.id)
  if (!batch || id === undefined || id.length > 512 || batch.object !== 'batch') return undefined
  const rawStatus = str(batch.status)?.slice(0, 64) ?? null
  const status: JobStatus = rawStatus === null ? 'queued' : (STATUS[rawStatus] ?? 'unknown')
  // A completed, expired or cancelled batch bills the requests that finished: they are in its output file.
  const output = str(batch.output_file_id)
  const billable = status === 'succeeded' || status === 'expired' || status === 'canceled'
  const children: JobChild[] = [output, str(batch.error_file_id)].filter((file): file is string => file !== undefined && file.length > 0 && file.length <= 512).map((file) => ({ kind: 'file', id: file }))
  return {
    providerJobId: id,
    rawStatus,
    status,
    usage: null,
    rawUsage: rec(batch.request_counts) ?? null,
    ...(billable && output ? { resultsPath: `/v1/files/${encodeURIComponent(output)}/content` } : {}),
    ...(children.length > 0 ? { children } : {}),
  }
}

/** `{"custom_id", "response": {"status_code", "body": {model, usage}}, "error"}`: only a 2xx response costs. */
function resultLine(line: unknown): ResultLine | undefined {
  const status = dig(line, 'response', 'status_code')
  if (typeof status !== 'number' || status < 200 || status >= 300) return undefined
  const body = rec(dig(line, 'response', 'body'))
  const usage = rec(body?.usage)
  const parsed = usage ? openaiUsage(usage) : null
  if (!parsed) return undefined
  return { model: str(body?.model) ?? null, usage: parsed }
}

export const openaiBatchJobs: JobRules = {
  submission(request) {
    if (request.method !== 'POST' || request.path !== '/v1/batches') return undefined
    // The models are in the input file: each result line names its own.
    return { kind: 'batch', model: null, params: pickScalars(request.json, ['endpoint', 'completion_window']) }
  },
  polls: (method, path) => method === 'GET' && POLL.test(path),
  read,
  pollPath: (job) => `/v1/batches/${encodeURIComponent(job.providerJobId)}`,
  // A batch ends within its 24 h window; its output file stays long after.
  retentionMs: 7 * 86_400_000,
  pollsPerSecond: 2,
  resultLine,
  // The Batch API costs half the synchronous price.
  priceFactor: 0.5,
}
