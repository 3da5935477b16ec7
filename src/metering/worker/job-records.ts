// Pure-ish core of the metering worker: one finished exchange (a MeterJob) into its usage row and its settlement.
import { readMeterBody } from './decompress.ts'
import type { MeterJob, Settlement } from '../protocol/meter-job.ts'
import { buildUsageRecord, failedRecord, type Estimator, type UsageRecord } from './usage-record.ts'
import type { PriceOverride } from '../../pricing/types.ts'
import type { ProviderDirectory } from '../../providers/registry.ts'

/** Where the processing reports what went wrong (the worker forwards it to the proxy thread's log). */
export type JobLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void

/** Last resort when the tokenizer cannot load: about four bytes of text per token. */
export const roughEstimate: Estimator = (requestBody, completionText) => ({
  usage: {
    inputTokens: Math.ceil(requestBody.byteLength / 4),
    outputTokens: Math.ceil(Buffer.byteLength(completionText, 'utf8') / 4),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  },
  note: 'token estimate approximated: the tokenizer failed to load, 4 bytes per token',
})

/**
 * Loads the tokenizer (most of a second, so callers start it early and keep the promise) and resolves with a
 * factory of one estimator per batch; falls back to `roughEstimate` when it cannot load.
 */
export function loadBatchEstimator(log: JobLog): Promise<() => Estimator> {
  return import('./estimate-tokens.ts').then(
    (module) => () => module.batchEstimator(),
    (error) => {
      log('error', 'tokenizer failed to load; estimating 4 bytes per token', { error: String(error) })
      return () => roughEstimate
    },
  )
}

/**
 * The tokenizer, loaded when a row first needs an estimate (a stream without reported usage) rather than at start-up:
 * most gateways never need it, and it holds tens of MB. Until then each row is built with a probe that only notes
 * the need; a row that needed it is rebuilt with the real estimator, so it is priced exactly as if it had been loaded.
 */
export class TokenizerOnDemand {
  private factory: (() => Estimator) | undefined
  private loading: Promise<() => Estimator> | undefined

  constructor(private readonly log: JobLog) {}

  /** Whether the tokenizer has been asked for yet (idle memory stays low until then). */
  get requested(): boolean {
    return this.loading !== undefined
  }

  /** Starts (or joins) the load; resolves with the per-batch estimator factory. */
  load(): Promise<() => Estimator> {
    this.loading ??= loadBatchEstimator(this.log).then((factory) => (this.factory = factory))
    return this.loading
  }

  /** One batch's rows, each built by `build` with the batch's estimator (made when the tokenizer is first needed). */
  async *records<J>(jobs: Iterable<J>, build: (job: J, estimate: Estimator) => Promise<UsageRecord>): AsyncGenerator<UsageRecord> {
    // The batch's tokenizer deadline starts when its first estimate can be made: estimates stay bounded per batch.
    let estimate = this.factory?.()
    for (const job of jobs) {
      if (estimate) {
        yield await build(job, estimate)
        continue
      }
      let needed = false
      const probed = await build(job, (...args) => {
        needed = true
        return roughEstimate(...args)
      })
      if (!needed) {
        yield probed
        continue
      }
      estimate = (await this.load())()
      yield await build(job, estimate)
    }
  }
}

/** One job's row: the same path for live batches, a replay, and any in-process meter. Never throws: usage is never dropped. */
export async function recordOfJob(
  job: MeterJob,
  overrides: readonly PriceOverride[],
  estimate: Estimator,
  log: JobLog,
  providers: ProviderDirectory,
): Promise<UsageRecord> {
  try {
    return buildUsageRecord(job, await readMeterBody(job), overrides, estimate, providers)
  } catch (error) {
    // Never drop the request: store what is known with no usage and say why.
    log('error', 'usage extraction failed', { requestId: job.requestId, error: String(error) })
    return failedRecord(job, String(error))
  }
}

/** What budgets, metrics and the access log learn of a stored row. */
export function settlementOf(record: UsageRecord): Settlement {
  return {
    requestId: record.requestId,
    orgId: record.orgId,
    keyId: record.keyId,
    provider: record.provider,
    model: record.model,
    costMicros: record.costMicros,
    costStatus: record.costStatus,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    startedAt: record.startedAt,
  }
}
