// Proxy thread, after an answer ended: what a job's submit or poll answer says, handed to the ledger's ordered writes (no DB here).
import { newId } from '../auth/key-format.ts'
import type { ProviderSpec } from '../providers/spec.ts'
import type { JobObserved, JobSubmitted } from '../types/ledger-write.ts'
import type { JobReading, JobRequest, JobRules, JobSubmission } from '../types/jobs.ts'
import { isTerminal } from './job-status.ts'

/** Where job news goes: the object ledger's queue (src/objects/object-ledger.ts), which the metering worker writes. */
export interface JobRecorder {
  /** A provider object made for a job (its output file), owned by the job's org (src/objects/object-ledger.ts). */
  recordCreated(entry: { provider: string; objectId: string; kind: string; orgId: string; keyId: string; requestId: string; status: null; snapshot: null }): void
  recordJobSubmitted(entry: Omit<JobSubmitted, 'op' | 'at'> & { at?: number }): void
  recordJobObserved(entry: Omit<JobObserved, 'op' | 'at'> & { at?: number }): void
  time(): number
}

/** What an admitted request is to its provider's jobs: a submit (with what it asks for) or a poll. */
export type JobExchange = { readonly rules: JobRules; readonly submission: JobSubmission } | { readonly rules: JobRules; readonly submission?: undefined }

/** Decided when the request is admitted, from its method, path, headers and JSON: cheap, no I/O. */
export function jobExchangeOf(spec: ProviderSpec, request: JobRequest): JobExchange | undefined {
  const rules = spec.jobs
  if (!rules) return undefined
  const submission = rules.submission(request)
  if (submission) return { rules, submission }
  return rules.polls(request.method, request.path) ? { rules } : undefined
}

/** Who submitted, and through which upstream and credential. */
export interface SubmitContext {
  readonly provider: string
  readonly orgId: string
  readonly keyId: string
  readonly requestId: string
  readonly createPath: string
  readonly upstreamBase: string
  readonly credentialRef: string
  /** When the background poller first looks at a new job. */
  readonly firstPollDelayMs: number
  readonly reservedMicros: number | null
}

/** What a reading of a job tells the ledger, from a client's poll passing through or the background poller. */
export function observed(provider: string, reading: JobReading): Omit<JobObserved, 'op' | 'at'> {
  return {
    provider,
    objectId: reading.providerJobId,
    status: reading.status,
    rawStatus: reading.rawStatus,
    usage: reading.usage,
    rawUsage: reading.rawUsage === null || reading.rawUsage === undefined ? null : JSON.stringify(reading.rawUsage),
    model: reading.model ?? null,
    ...(reading.resultsPath ? { resultsPath: reading.resultsPath } : {}),
    ...(reading.results ? { results: reading.results } : {}),
  }
}

/**
 * Records a 2xx answer's news: a submit makes the job's row (and, if it already ended, its observation), a poll
 * observes it. `body` is the parsed JSON answer; `expectedId`: the id a poll's path named (another id is ignored).
 * Returns the job's id when a submit recorded one.
 */
export function recordJobAnswer(recorder: JobRecorder, exchange: JobExchange, body: unknown, submit: SubmitContext, expectedId?: string): string | undefined {
  const reading = exchange.rules.read(body)
  if (!reading) return undefined
  const at = recorder.time()
  if (exchange.submission) {
    const id = newId('job', at)
    recorder.recordJobSubmitted({
      id,
      provider: submit.provider,
      objectId: reading.providerJobId,
      orgId: submit.orgId,
      keyId: submit.keyId,
      requestId: submit.requestId,
      model: exchange.submission.model ?? reading.model ?? null,
      kind: exchange.submission.kind,
      createPath: submit.createPath,
      upstreamBase: submit.upstreamBase,
      credentialRef: submit.credentialRef,
      params: JSON.stringify(exchange.submission.params),
      status: reading.status,
      rawStatus: reading.rawStatus,
      at,
      reservedMicros: submit.reservedMicros,
      resultExpiresAt: at + exchange.rules.retentionMs,
      nextPollAt: at + submit.firstPollDelayMs,
    })
    if (isTerminal(reading.status)) recorder.recordJobObserved({ ...observed(submit.provider, reading), at })
    return id
  }
  if (expectedId !== undefined && reading.providerJobId !== expectedId) return undefined
  recorder.recordJobObserved({ ...observed(submit.provider, reading), at })
  return undefined
}
