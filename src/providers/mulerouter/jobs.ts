// MuleRouter vendor tasks: POST /vendors/{vendor}/v1/{model}/{action} submits, GET of that path plus /{id} polls; no usage, priced from parameters.
import type { JobReading, JobRules, JobStatus } from '../../types/jobs.ts'
import type { Usage } from '../../types/usage.ts'
import { dig, makeUsage, rec, str } from '../../wire/fields.ts'
import { pickScalars } from '../../wire/request-fields.ts'

const TASK_CREATE = /^\/vendors\/[^/]+\/v1\/(?<model>[^/]+)\/.+$/
const TASK_POLL = /^\/vendors\/[^/]+\/v1\/(?<model>[^/]+)\/.+\/[^/]+$/
/** The vendor-mirrored LLM APIs under /vendors/<vendor>/v1 are not tasks. */
const MIRRORED = new Set(['chat', 'messages', 'responses', 'embeddings', 'models', 'completions', 'batches', 'files'])

const STATUS: Readonly<Record<string, JobStatus>> = {
  pending: 'queued',
  queued: 'queued',
  running: 'running',
  processing: 'running',
  retrying: 'running',
  succeeded: 'succeeded',
  completed: 'succeeded',
  failed: 'failed',
}

function kindOf(model: string, path: string): string {
  const text = `${model} ${path}`.toLowerCase()
  if (/t2v|i2v|video|sora|veo|kling|seedance|hailuo/.test(text)) return 'video'
  if (/speech|tts|music|audio/.test(text)) return 'audio'
  if (/image|t2i|seedream|banana|midjourney/.test(text)) return 'image'
  return 'task'
}

function read(body: unknown): JobReading | undefined {
  const info = rec(dig(body, 'task_info'))
  const id = str(info?.id)
  if (!info || id === undefined || id.length > 512) return undefined
  const rawStatus = str(info.status)?.slice(0, 64) ?? null
  // A failed task still answers HTTP 200: its status says so, or an error object does (top level or in task_info).
  const errored = rec(dig(body, 'error')) !== undefined || rec(info.error) !== undefined
  // Unknown spellings are not terminal (the provider may add states).
  const status: JobStatus = errored ? 'failed' : rawStatus === null ? 'queued' : (STATUS[rawStatus] ?? 'unknown')
  return { providerJobId: id, rawStatus, status, usage: null, rawUsage: null }
}

/** A number or a numeric string ("5", "10s"). */
function amount(value: string | number | boolean | undefined): number | undefined {
  if (typeof value === 'number') return value > 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const parsed = Number.parseFloat(value)
  return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined
}

/** What the submit asked for, as billable units: seconds of video or audio, or images; undefined when it did not say. */
function usageFromParams(params: Readonly<Record<string, string | number | boolean>>, kind: string): Usage | null {
  if (kind === 'video') {
    const seconds = amount(params.duration) ?? amount(params.seconds)
    return seconds === undefined ? null : makeUsage({ videoSeconds: Math.ceil(seconds) })
  }
  if (kind === 'audio') {
    const seconds = amount(params.duration)
    return seconds === undefined ? null : makeUsage({ audioSeconds: Math.ceil(seconds) })
  }
  if (kind === 'image') return makeUsage({ images: Math.ceil(amount(params.n) ?? amount(params.num_images) ?? 1) })
  return null
}

/** Reserved when a video submit does not say its length ("smart" durations): 30 s, as MuleRouter's own integrations do. */
const DEFAULT_VIDEO_CEILING_S = 30

function estimate(params: Readonly<Record<string, string | number | boolean>>, kind: string): Usage | null {
  if (kind === 'video' && amount(params.duration) === undefined && amount(params.seconds) === undefined) return makeUsage({ videoSeconds: DEFAULT_VIDEO_CEILING_S })
  return usageFromParams(params, kind)
}

export const mulerouterJobs: JobRules = {
  submission(request) {
    if (request.method !== 'POST') return undefined
    const model = TASK_CREATE.exec(request.path)?.groups?.model
    if (model === undefined || MIRRORED.has(model)) return undefined
    return { kind: kindOf(model, request.path), model, params: pickScalars(request.json, ['duration', 'seconds', 'resolution', 'size', 'aspect_ratio', 'n', 'num_images']) }
  },
  polls(method, path) {
    const model = TASK_POLL.exec(path)?.groups?.model
    return method === 'GET' && model !== undefined && !MIRRORED.has(model)
  },
  read,
  pollPath: (job) => `${job.createPath}/${encodeURIComponent(job.providerJobId)}`,
  retentionMs: 7 * 86_400_000,
  pollsPerSecond: 2,
  usageFromParams,
  estimate,
}
