// Pure: turns one MeterJob into the usage row to store, with tokens, cost and an honest cost_status.
import type { UsageEventRow } from '../../db/usage-columns.ts'
import type { PriceOverride, PriceResult } from '../../pricing/types.ts'
import { MAX_MODEL_BYTES } from '../../proxy/model-name.ts'
import { priceUsage } from '../../pricing/price-usage.ts'
import type { PromptReader } from './estimate-tokens.ts'
import type { ProviderPricing } from '../../pricing/provider-pricing.ts'
import type { Dialect } from '../../providers/dialect.ts'
import { openaiDialect } from '../../providers/dialects/openai/index.ts'
import { dialectFor, readUsage } from '../../providers/provider-wire.ts'
import { builtInProvider, type ProviderDirectory } from '../../providers/registry.ts'
import type { ProviderSpec } from '../../providers/spec.ts'
import type { Extraction, Usage } from '../../types/usage.ts'
import type { MeterBody } from './decompress.ts'
import type { MeterJob } from '../protocol/meter-job.ts'

/**
 * Counts tokens of a request and streamed text, with a note when the count was approximated (budget spent, long
 * runs); the tokenizer is heavy, so callers load it lazily.
 */
export type Estimator = (requestBody: Uint8Array, completionText: string, prompt: PromptReader) => { usage: Usage; note: string | null }

/**
 * The row stored for one request: the usage_events table's columns (src/db/schema.ts), so a new column is one edit there
 * that the compiler then asks for wherever a record is built. `errorCode` may be left out: absent is stored as null.
 */
export interface UsageRecord extends Omit<UsageEventRow, 'errorCode'> {
  /** The gateway's error code when it answered itself; null when the upstream answered. */
  errorCode?: string | null
}

/**
 * `mock`: a request the built-in mock provider answered, $0 because nothing was billed (not an unknown price).
 * `refused`: the gateway answered itself and nothing went upstream, so nothing was charged (a real $0).
 */
export type CostStatus = UsageRecord['costStatus']

const JOB_EXCHANGE_DETAIL = "an async job's submit or poll: the job is billed once, on its own row"

/** Usage with every counter zero (nothing billed). */
export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }
}

/**
 * The job's provider and the dialect of its path. A provider this process no longer serves (a spooled row from before a
 * config change) is read as OpenAI's format, which every custom provider speaks, and priced by its id alone.
 */
function wireOf(job: MeterJob, providers: ProviderDirectory): { spec: ProviderSpec | undefined; dialect: Dialect } {
  const spec = providers(job.provider)
  return { spec, dialect: spec ? dialectFor(spec, job.endpoint) : openaiDialect }
}

function extract(job: MeterJob, body: MeterBody, dialect: Dialect): { extraction: Extraction; detail?: string } {
  const detail = body.detail ?? undefined
  if (!body.bytes) return { extraction: { usage: null }, ...(detail ? { detail } : {}) }
  const extraction = readUsage(dialect, { path: job.endpoint, contentType: job.contentType, body: body.bytes, truncated: body.truncated })
  return { extraction, ...(detail ? { detail } : {}) }
}

/** When extraction itself failed: keep the request, with no usage, and say why (a billable success stays unpriced). */
export function failedRecord(job: MeterJob, error: string): UsageRecord {
  const succeeded = job.status >= 200 && job.status < 300
  return {
    ...jobFields(job, job.model, job.endedBy, job.endedBy !== 'complete', null),
    ...counts(emptyUsage()),
    costMicros: succeeded ? null : 0,
    costStatus: succeeded ? 'unpriced' : 'no_usage',
    usageSource: 'none',
    priceSource: null,
    costDetail: `metering failed: ${error}`,
  }
}

function jobFields(job: MeterJob, model: string | null, endedBy: string, partial: boolean, rawUsage: string | null) {
  return {
    requestId: job.requestId,
    startedAt: job.startedAt,
    orgId: job.orgId,
    keyId: job.keyId,
    provider: job.provider,
    model,
    endpoint: job.endpoint,
    method: job.method,
    status: job.status,
    streamed: job.streamed,
    endedBy,
    partial,
    errorCode: job.errorCode ?? null,
    ttfbMs: job.ttfbMs,
    durationMs: job.durationMs,
    user: job.user,
    tags: job.tags,
    rawUsage,
  }
}

/** `body` is the job's response as readMeterBody decoded it (inflating is asynchronous; this stays pure). */
/** A request the gateway refused: it never went upstream, so no usage and nothing charged, with the reason kept. */
function refusedRecord(job: MeterJob): UsageRecord {
  return {
    ...jobFields(job, job.model, 'refused', false, null),
    ...counts(emptyUsage()),
    costMicros: 0,
    costStatus: 'refused',
    usageSource: 'none',
    priceSource: null,
    costDetail: null,
  }
}

/**
 * How the exchange ended. A stream cut after its terminal event reached the client (the OpenAI SDK cancels the body
 * at `[DONE]`) is complete: the proxy thread checks only the tail it kept, and this sees the whole recorded body.
 */
function endedByOf(job: MeterJob, extraction: Extraction): string {
  return job.endedBy !== 'complete' && job.streamed && extraction.incomplete === false ? 'complete' : job.endedBy
}

/** `providers`: every provider this process serves (default: the built-in ones), which read and price the job. */
export function buildUsageRecord(
  job: MeterJob,
  body: MeterBody,
  overrides: readonly PriceOverride[],
  estimate: Estimator,
  providers: ProviderDirectory = builtInProvider,
): UsageRecord {
  if (job.endedBy === 'refused') return refusedRecord(job)
  const { spec, dialect } = wireOf(job, providers)
  const { extraction: extracted, detail: extractDetail } = extract(job, body, dialect)
  // The request's model passed the gateway's length check; the response's is bounded the same way before it is stored.
  const extraction = boundedModel(extracted)
  const model = job.model ?? extraction.model ?? null
  const endedBy = endedByOf(job, extraction)
  const partial = endedBy !== 'complete' || extraction.incomplete === true
  // A job's submit and polls are free: the job's own row (src/jobs/) bills it once, however often it is polled.
  let usage = extraction.job === true ? null : extraction.usage
  let usageSource: UsageRecord['usageSource'] = usage ? 'reported' : 'none'
  let estimateNote: string | null = null
  const succeeded = job.status >= 200 && job.status < 300
  const free = dialect.freeEndpoint(job.method, job.endpoint) || extraction.job === true

  if (!usage && !free && succeeded && job.streamed && job.requestBody) {
    const estimated = estimate(job.requestBody, extraction.streamedText ?? '', dialect.prompt)
    usage = estimated.usage
    estimateNote = estimated.note
    usageSource = 'estimated'
  }

  const rawUsage = extraction.raw === undefined || extraction.raw === null ? null : JSON.stringify({ model: extraction.model ?? null, usage: extraction.raw })
  const base = jobFields(job, model, endedBy, partial, rawUsage)

  if (!usage) {
    // Errors, listings and token counts cost nothing upstream: a real $0. A billable success without usage is unknown, never $0.
    // Nothing an unbilled provider (the mock) answers is billed: every one of its rows is a true $0, marked as mock.
    const mock = spec?.unbilled === true
    const billable = succeeded && !free && model !== null && !mock
    if (mock) return { ...base, ...counts(emptyUsage()), costMicros: 0, costStatus: 'mock', usageSource, priceSource: 'mock', costDetail: extractDetail ?? null }
    return {
      ...base,
      ...counts(emptyUsage()),
      costMicros: billable ? null : 0,
      costStatus: billable ? 'unpriced' : 'no_usage',
      usageSource,
      priceSource: null,
      costDetail: billable ? (extractDetail ?? 'the response carried no usage the gateway can read') : extraction.job === true ? JOB_EXCHANGE_DETAIL : (extractDetail ?? null),
    }
  }

  const priced = priceFor(job, model, extraction.model, usage, overrides, spec)
  const costStatus = costStatusOf(priced, usageSource)
  return {
    ...base,
    ...counts(usage),
    costMicros: priced.costMicros,
    costStatus,
    usageSource,
    priceSource: priced.source === 'none' ? null : priced.source,
    costDetail: [extractDetail, estimateNote, priced.detail].filter(Boolean).join('; ') || null,
  }
}

function boundedModel(extraction: Extraction): Extraction {
  const reported = extraction.model
  if (reported === undefined || (reported.length <= MAX_MODEL_BYTES && Buffer.byteLength(reported, 'utf8') <= MAX_MODEL_BYTES)) return extraction
  const { model: _tooLong, ...rest } = extraction
  return rest
}

/** A priced row's status: an unknown price stays unpriced (never $0), and a tokenizer estimate is marked as one. */
export function costStatusOf(priced: PriceResult, usageSource: UsageRecord['usageSource']): CostStatus {
  if (priced.source === 'mock') return 'mock'
  return priced.status === 'unpriced' ? 'unpriced' : usageSource === 'estimated' ? 'estimated' : 'priced'
}

/**
 * Prices by the model the response reports (more precise), falling back to the one the request named. Reprice
 * uses it too, so that prices that did not change leave stored costs as they are.
 */
export function priceFor(
  job: Pick<MeterJob, 'provider' | 'orgId' | 'startedAt'>,
  requestModel: string | null,
  responseModel: string | undefined,
  usage: Usage,
  overrides: readonly PriceOverride[],
  /** The provider's pricing id and billing (its spec); omitted: the built-in provider of that id. */
  pricing?: ProviderPricing,
): PriceResult {
  const at = new Date(job.startedAt)
  const candidates = [...new Set([responseModel, requestModel].filter((m): m is string => !!m))]
  let last: PriceResult = { costMicros: null, status: 'unpriced', source: 'none', detail: 'no model to price' }
  for (const model of candidates) {
    const result = priceUsage({ provider: job.provider, model, usage, at, orgId: job.orgId, overrides, ...(pricing ? { pricing } : {}) })
    if (result.status === 'priced') return result
    last = result
  }
  return last
}

/** A usage row's counter columns: the media counts null when absent. */
export function counts(usage: Usage) {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
    images: usage.images ?? null,
    videoSeconds: usage.videoSeconds ?? null,
    audioSeconds: usage.audioSeconds ?? null,
  }
}
