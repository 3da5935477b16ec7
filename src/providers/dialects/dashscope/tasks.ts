// DashScope's async tasks: a native service call with `X-DashScope-Async: enable` submits one; GET /api/v1/tasks/{id} polls it.
import type { JobReading, JobRules, JobStatus } from '../../../types/jobs.ts'
import { objectField, pickScalars } from '../../../wire/request-fields.ts'
import { dig, has, makeUsage, rec, str } from '../../../wire/fields.ts'
import { dashscopeUsage } from './usage.ts'

const SERVICE = /^\/api\/v1\/services\/(.+)$/
const POLL = /^\/api\/v1\/tasks\/[^/]+$/

const STATUS: Readonly<Record<string, JobStatus>> = {
  PENDING: 'queued',
  RUNNING: 'running',
  SUSPENDED: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CANCELED: 'canceled',
  // The task is missing or its status unknown: past the 24 h retention the job machinery reads it as expired.
  UNKNOWN: 'unknown',
}

function kindOf(service: string): string {
  if (/video/.test(service)) return 'video'
  if (/image|text2image/.test(service)) return 'image'
  return 'task'
}

function read(body: unknown): JobReading | undefined {
  const output = rec(dig(body, 'output'))
  const id = str(output?.task_id)
  if (!output || id === undefined || id.length > 512) return undefined
  const rawStatus = str(output.task_status)?.slice(0, 64) ?? null
  const status: JobStatus = rawStatus === null ? 'queued' : (STATUS[rawStatus] ?? 'unknown')
  const raw = rec(dig(body, 'usage'))
  const video = str(output.video_url) !== undefined || has(raw?.video_count)
  // A multi-image task is SUCCEEDED when any sub-task succeeded: bill what `usage` says, never the requested `n`.
  const usage = status === 'succeeded' && raw ? dashscopeUsage(raw, video) : null
  const model = str(dig(body, 'model'))
  return { providerJobId: id, rawStatus, status, usage, rawUsage: raw ?? null, ...(model ? { model } : {}) }
}

const positive = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined)

/** Wan video is at most 10 s long, an image task makes at most 4 images: the ceilings when the submit does not say. */
function estimate(params: Readonly<Record<string, string | number | boolean>>, kind: string) {
  if (kind === 'video') return makeUsage({ videoSeconds: Math.ceil(positive(params.duration) ?? 10) })
  if (kind === 'image') return makeUsage({ images: Math.ceil(positive(params.n) ?? 4) })
  return null
}

export const dashscopeJobs: JobRules = {
  submission(request) {
    if (request.method !== 'POST' || (request.headers.get('x-dashscope-async') ?? '').toLowerCase() !== 'enable') return undefined
    const service = SERVICE.exec(request.path)?.[1]
    if (service === undefined) return undefined
    const model = typeof request.json?.model === 'string' ? request.json.model : null
    const parameters = objectField(request.json?.parameters)
    return { kind: kindOf(service), model, params: pickScalars(parameters, ['duration', 'resolution', 'size', 'n', 'prompt_extend']) }
  },
  polls: (method, path) => method === 'GET' && POLL.test(path),
  read,
  pollPath: (job) => `/api/v1/tasks/${encodeURIComponent(job.providerJobId)}`,
  retentionMs: 24 * 3_600_000,
  // DashScope allows 20 task queries per second per account; the gateway's own poller keeps to a quarter of that.
  pollsPerSecond: 5,
  estimate,
}
