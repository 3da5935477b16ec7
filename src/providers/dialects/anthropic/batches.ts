// Anthropic Message Batches as jobs: POST /v1/messages/batches submits, GET …/{id} polls, the results' lines are billed at half price.
import type { JobReading, JobRules, JobStatus, ResultLine } from '../../../types/jobs.ts'
import { dig, num, rec, str } from '../../../wire/fields.ts'
import { anthropicUsage } from './usage.ts'

const POLL = /^\/v1\/messages\/batches\/[^/]+$/

/** An ended batch is over; how it went is in its counts (each request succeeded, errored, was canceled or expired). */
function endedStatus(counts: Record<string, unknown> | undefined): JobStatus {
  if (num(counts?.succeeded) > 0) return 'succeeded'
  if (num(counts?.canceled) > 0) return 'canceled'
  if (num(counts?.expired) > 0) return 'expired'
  return 'failed'
}

function read(body: unknown): JobReading | undefined {
  const batch = rec(body)
  const id = str(batch?.id)
  if (!batch || id === undefined || id.length > 512 || batch.type !== 'message_batch') return undefined
  const rawStatus = str(batch.processing_status)?.slice(0, 64) ?? null
  const counts = rec(batch.request_counts)
  const status: JobStatus = rawStatus === 'ended' ? endedStatus(counts) : rawStatus === 'in_progress' || rawStatus === 'canceling' ? 'running' : rawStatus === null ? 'queued' : 'unknown'
  // Read from the configured host, never from the answer's results_url.
  const billable = rawStatus === 'ended' && num(counts?.succeeded) > 0
  return { providerJobId: id, rawStatus, status, usage: null, rawUsage: counts ?? null, ...(billable ? { resultsPath: `/v1/messages/batches/${encodeURIComponent(id)}/results` } : {}) }
}

/** `{custom_id, result: {type: "succeeded", message: {model, usage}}}`; errored, canceled and expired lines cost nothing. */
function resultLine(line: unknown): ResultLine | undefined {
  if (dig(line, 'result', 'type') !== 'succeeded') return undefined
  const message = rec(dig(line, 'result', 'message'))
  const usage = rec(message?.usage)
  if (!usage) return undefined
  return { model: str(message?.model) ?? null, usage: anthropicUsage(usage) }
}

export const anthropicBatchJobs: JobRules = {
  submission(request) {
    if (request.method !== 'POST' || request.path !== '/v1/messages/batches') return undefined
    const requests = Array.isArray(request.json?.requests) ? request.json.requests : []
    const models = new Set(requests.map((r) => dig(r, 'params', 'model')).filter((m): m is string => typeof m === 'string'))
    return { kind: 'message_batch', model: models.size === 1 ? [...models][0]! : null, params: { requests: requests.length } }
  },
  batchRequests(request) {
    if (request.method !== 'POST' || request.path !== '/v1/messages/batches') return undefined
    const items = Array.isArray(request.json?.requests) ? request.json.requests : []
    return { items, model: (item) => str(dig(item, 'params', 'model')) ?? null, request: (item) => rec(dig(item, 'params')) }
  },
  polls: (method, path) => method === 'GET' && POLL.test(path),
  read,
  pollPath: (job) => `/v1/messages/batches/${encodeURIComponent(job.providerJobId)}`,
  pollHeaders: { 'anthropic-version': '2023-06-01' },
  // Results are kept 29 days; a batch ends within 24 h.
  retentionMs: 29 * 86_400_000,
  pollsPerSecond: 2,
  resultLine,
  priceFactor: 0.5,
}
