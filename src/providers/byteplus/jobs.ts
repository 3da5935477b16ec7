// BytePlus ModelArk content-generation tasks (Seedance video): POST …/contents/generations/tasks submits, GET …/tasks/{id} polls.
import type { JobReading, JobRules, JobStatus } from '../../types/jobs.ts'
import { makeUsage, num, rec, str } from '../../wire/fields.ts'
import { pickScalars } from '../../wire/request-fields.ts'

const CREATE = '/api/v3/contents/generations/tasks'
const POLL = /^\/api\/v3\/contents\/generations\/tasks\/[^/]+$/

const STATUS: Readonly<Record<string, JobStatus>> = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'canceled',
  expired: 'expired',
}

function read(body: unknown): JobReading | undefined {
  const task = rec(body)
  const id = str(task?.id)
  if (!task || id === undefined || id.length > 512) return undefined
  const rawStatus = str(task.status)?.slice(0, 64) ?? null
  // The submit answers with the id alone: a task just made is queued.
  const status: JobStatus = rawStatus === null ? 'queued' : (STATUS[rawStatus] ?? 'unknown')
  const raw = rec(task.usage)
  // Video is billed by its output tokens (completion_tokens), and only for a succeeded task.
  const usage = status === 'succeeded' && raw ? makeUsage({ outputTokens: num(raw.completion_tokens) }) : null
  const model = str(task.model)
  return { providerJobId: id, rawStatus, status, usage, rawUsage: raw ?? null, ...(model ? { model } : {}) }
}

/** Frame sizes by resolution; an unknown or absent one is read as the largest. */
const PIXELS: Readonly<Record<string, number>> = { '480p': 864 * 480, '720p': 1280 * 720, '1080p': 1920 * 1088 }

/**
 * Seedance bills output tokens ≈ width × height × 24 fps × seconds / 1024 (720p, 5 s ≈ 108,900). The bound takes
 * the frame size asked for (else 1080p) and the length asked for (else 12 s, the longest), with 10 % to spare.
 */
function estimate(params: Readonly<Record<string, string | number | boolean>>) {
  const pixels = PIXELS[String(params.resolution ?? '').toLowerCase()] ?? PIXELS['1080p']!
  const seconds = typeof params.duration === 'number' && params.duration > 0 ? params.duration : 12
  return makeUsage({ outputTokens: Math.ceil((pixels * 24 * seconds * 11) / (10 * 1024)) })
}

export const byteplusJobs: JobRules = {
  submission(request) {
    if (request.method !== 'POST' || request.path !== CREATE) return undefined
    const model = typeof request.json?.model === 'string' ? request.json.model : null
    return { kind: 'video', model, params: pickScalars(request.json, ['resolution', 'ratio', 'duration', 'frames', 'generate_audio', 'service_tier']) }
  },
  polls: (method, path) => method === 'GET' && POLL.test(path),
  read,
  pollPath: (job) => `${CREATE}/${encodeURIComponent(job.providerJobId)}`,
  // Tasks stay queryable for 7 days.
  retentionMs: 7 * 86_400_000,
  pollsPerSecond: 5,
  estimate,
}
