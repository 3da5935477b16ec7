// Gemini batch jobs: POST …/models/{model}:batchGenerateContent submits an operation batches/{id}, GET …/batches/{id} polls; results inline or in a file, billed at half price.
import { resultTally, tallyInline } from '../batch-results.ts'
import type { InlineResult, JobReading, JobRules, JobStatus, ResultLine } from '../../../types/jobs.ts'
import type { JobResults } from '../../../types/ledger-write.ts'
import { dig, rec, str } from '../../../wire/fields.ts'
import { geminiUsage } from './usage.ts'

const SUBMIT = /^\/(v1(?:alpha|beta)?)\/(?:models|tunedModels)\/([A-Za-z0-9._~-]+):batchGenerateContent$/
const POLL = /^\/v1(?:alpha|beta)?\/batches\/[A-Za-z0-9._~-]+$/
const BATCH_NAME = /^batches\/[A-Za-z0-9._~-]{1,500}$/
const FILE_NAME = /^files\/[A-Za-z0-9._~-]{1,500}$/
/** Inline results are bounded by the answer the gateway reads; a list longer than any batch may hold is not billed from. */
const MAX_INLINE_RESULTS = 200_000

const STATUS: Readonly<Record<string, JobStatus>> = {
  BATCH_STATE_PENDING: 'queued',
  BATCH_STATE_RUNNING: 'running',
  BATCH_STATE_SUCCEEDED: 'succeeded',
  BATCH_STATE_FAILED: 'failed',
  BATCH_STATE_CANCELLED: 'canceled',
  BATCH_STATE_EXPIRED: 'expired',
  // The SDK's names for the same states, in case an answer uses them.
  JOB_STATE_PENDING: 'queued',
  JOB_STATE_QUEUED: 'queued',
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_SUCCEEDED: 'succeeded',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_CANCELLED: 'canceled',
  JOB_STATE_EXPIRED: 'expired',
}

/** `{"key", "response": {usageMetadata, modelVersion}}` (a file line or an inlined response); `{"error": …}` costs nothing. */
function resultLine(line: unknown): ResultLine | undefined {
  const entry = rec(line)
  if (!entry || entry.error !== undefined) return undefined
  const response = rec(entry.response)
  const usage = rec(response?.usageMetadata)
  if (!usage) return undefined
  return { model: str(response?.modelVersion)?.replace(/^models\//, '') ?? null, usage: geminiUsage(usage) }
}

/** `inlinedResponses` is `{inlinedResponses: [...]}` over REST (an array in the SDK's shape). */
function inlinedList(output: Record<string, unknown> | undefined): unknown[] | undefined {
  const inlined = output?.inlinedResponses
  if (Array.isArray(inlined)) return inlined
  const nested = rec(inlined)?.inlinedResponses
  return Array.isArray(nested) ? nested : undefined
}

/** An inlined response: billed, failed (an error, free), or neither, whose cost is unknown (not free). */
function inlineEntry(entry: unknown): InlineResult {
  const line = resultLine(entry)
  if (line) return line
  return rec(entry)?.error !== undefined ? 'failed' : 'unreadable'
}

function inlineResults(entries: readonly unknown[]): JobResults | undefined {
  if (entries.length > MAX_INLINE_RESULTS) return undefined
  const tally = resultTally()
  for (const entry of entries) tallyInline(tally, inlineEntry(entry))
  return tally.results()
}

/**
 * The long-running operation `{name: "batches/…", metadata: {state, model, batchStats, output?}, done, response?}`
 * (or the batch itself, `{name, state, …}`). A succeeded batch is billed from its results: inline in the answer, or
 * in its responses file, which is read from the configured host.
 */
function read(body: unknown): JobReading | undefined {
  const operation = rec(body)
  const id = str(operation?.name)
  if (!operation || id === undefined || !BATCH_NAME.test(id)) return undefined
  const metadata = rec(operation.metadata)
  const batch = metadata ?? operation
  const rawStatus = str(batch.state)?.slice(0, 64) ?? null
  const status: JobStatus = rawStatus === null ? 'queued' : (STATUS[rawStatus] ?? 'unknown')
  const model = str(batch.model)?.replace(/^models\//, '')
  const reading = { providerJobId: id, rawStatus, status, usage: null, rawUsage: rec(batch.batchStats) ?? null, ...(model ? { model } : {}) }
  // Failed, cancelled and expired batches are not billed.
  if (status !== 'succeeded') return reading
  const output = rec(operation.response) ?? rec(metadata?.output) ?? rec(batch.dest)
  const file = str(output?.responsesFile) ?? str(output?.fileName)
  if (file !== undefined && FILE_NAME.test(file)) return { ...reading, resultsPath: `/download/v1beta/${file}:download?alt=media`, children: [{ kind: 'file', id: file }] }
  const inlined = inlinedList(output)
  const results = inlined ? inlineResults(inlined) : undefined
  // Succeeded with no results the gateway can read: no usage, so settlement leaves it unpriced (never $0).
  return results ? { ...reading, results } : reading
}

export const geminiBatchJobs: JobRules = {
  submission(request) {
    const match = request.method === 'POST' ? SUBMIT.exec(request.path) : null
    if (!match) return undefined
    return { kind: 'batch', model: match[2]!, params: { version: match[1]! } }
  },
  batchRequests(request) {
    const match = request.method === 'POST' ? SUBMIT.exec(request.path) : null
    // `{batch: {inputConfig: {requests: {requests: [{request, metadata}]}}}}`; a batch from a file carries none.
    const items = match ? dig(request.json, 'batch', 'inputConfig', 'requests', 'requests') : undefined
    if (!match || !Array.isArray(items)) return undefined
    const model = match[2]!
    return { items, model: () => model, request: (item) => rec(dig(item, 'request')) }
  },
  polls: (method, path) => method === 'GET' && POLL.test(path),
  read,
  pollPath: (job) => {
    const version = /^\/(v1(?:alpha|beta)?)\//.exec(job.createPath)?.[1] ?? 'v1beta'
    return `/${version}/${job.providerJobId}`
  },
  // A batch ends within 48 h (24 h target); its operation and results stay readable for days after.
  retentionMs: 7 * 86_400_000,
  pollsPerSecond: 2,
  resultLine,
  // An answer with its results inline can be larger than a poll answer is read whole: the poller streams it.
  inlineResults: { member: 'inlinedResponses', entry: inlineEntry },
  // Batch Mode costs half the synchronous price.
  priceFactor: 0.5,
}
