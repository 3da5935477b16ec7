// How many tokens a request may use before it runs (expected and at most), and the per key+model output history that informs the expectation.

/** Output expected when the client gives no max_tokens and nothing has been observed yet. */
export const DEFAULT_TYPICAL_OUTPUT_TOKENS = 1024

export interface ReservationTokensInput {
  readonly inputTokensEstimate: number
  /** The request's per-answer output cap (max_tokens, max_output_tokens, maxOutputTokens…), when the client sent one. */
  readonly maxTokensRequested?: number
  /** How many answers the request asks for (`n`, `candidateCount`); each may use the whole cap. Default 1. */
  readonly answers?: number
  /** Observed typical output for this key+model (see TypicalOutput); default 1024. */
  readonly typicalOutputTokens?: number
  /** The most the model can produce in one answer (see modelOutputLimitTokens): bounds max_tokens and stands in for it. */
  readonly modelOutputLimitTokens: number
}

export interface ReservationTokens {
  readonly inputTokens: number
  /** What the request will probably produce: max_tokens, but no more than the key+model's typical output. */
  readonly expectedOutputTokens: number
  /** input + expected output: what a tokens-per-minute limiter consumes (settlement corrects it). */
  readonly expectedTotalTokens: number
  /** The most the request can produce: answers x (max_tokens capped by the model's limit, else the model's limit). */
  readonly maxOutputTokens: number
  /** Where maxOutputTokens came from. */
  readonly maxOutputSource: 'max_tokens' | 'model_limit'
}

function wholeTokens(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined
  return Math.max(0, Math.ceil(value))
}

/**
 * Two different figures, for two different limits. A budget's overshoot bound needs what a request can cost at
 * most, so `maxOutputTokens` is a true upper bound: with max_tokens the output cannot exceed it (nor the model's
 * own limit), without it the model's limit is all that bounds it. A tokens-per-minute window only smooths load and
 * is corrected at settlement, so it takes the expectation: max_tokens capped by the typical output, since clients
 * routinely ask for far more than they use.
 */
export function reservationTokens(input: ReservationTokensInput): ReservationTokens {
  const inputTokens = wholeTokens(input.inputTokensEstimate) ?? 0
  const limit = wholeTokens(input.modelOutputLimitTokens) ?? 0
  const requested = wholeTokens(input.maxTokensRequested)
  const answers = Math.max(1, wholeTokens(input.answers) ?? 1)
  const typical = wholeTokens(input.typicalOutputTokens) ?? DEFAULT_TYPICAL_OUTPUT_TOKENS
  const perAnswer = requested !== undefined ? Math.min(requested, limit) : limit
  const expectedOutputTokens = Math.min(requested ?? typical, typical)
  return {
    inputTokens,
    expectedOutputTokens,
    expectedTotalTokens: inputTokens + expectedOutputTokens,
    maxOutputTokens: answers * perAnswer,
    maxOutputSource: requested !== undefined && requested <= limit ? 'max_tokens' : 'model_limit',
  }
}

export interface TypicalOutputOptions {
  /** Recent outputs kept per key+model. Default 50. */
  readonly samples?: number
  /** Quantile reported, 0 < q <= 1. Default 0.9. */
  readonly quantile?: number
  /** Observations needed before the quantile replaces the default. Default 5. */
  readonly minSamples?: number
  /** Key+model pairs tracked; the least recently observed is dropped beyond this. Default 10 000. */
  readonly maxEntries?: number
  /** Answer while too few samples exist. Default 1024. */
  readonly defaultTokens?: number
}

interface Series {
  readonly ring: number[]
  next: number
  count: number
  /** Quantile of the ring, recomputed lazily after new observations. */
  cached: number | undefined
}

/**
 * Tracks a high quantile (p90 by default) of the output tokens of recent settled requests per key+model.
 * A quantile over a fixed ring of recent samples, rather than an EWMA of the mean, reserves enough for
 * most requests while forgetting old behaviour at a known rate; memory is samples * maxEntries numbers.
 */
export class TypicalOutput {
  private readonly series = new Map<string, Series>()
  private readonly samples: number
  private readonly quantile: number
  private readonly minSamples: number
  private readonly maxEntries: number
  private readonly defaultTokens: number

  constructor(options: TypicalOutputOptions = {}) {
    this.samples = Math.max(1, Math.floor(options.samples ?? 50))
    const q = options.quantile ?? 0.9
    if (!(q > 0 && q <= 1)) throw new RangeError(`TypicalOutput: quantile must be in (0, 1], got ${q}`)
    this.quantile = q
    this.minSamples = Math.min(this.samples, Math.max(1, Math.floor(options.minSamples ?? 5)))
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? 10_000))
    this.defaultTokens = options.defaultTokens ?? DEFAULT_TYPICAL_OUTPUT_TOKENS
  }

  /** Records the actual output tokens of a settled request. Non-finite or negative counts are ignored. */
  observe(key: string, model: string, outputTokens: number): void {
    if (!Number.isFinite(outputTokens) || outputTokens < 0) return
    const id = seriesId(key, model)
    let s = this.series.get(id)
    if (s === undefined) {
      s = { ring: [], next: 0, count: 0, cached: undefined }
    } else {
      // Re-inserting moves the pair to the back of the Map's order, which makes eviction least-recently-observed.
      this.series.delete(id)
    }
    this.series.set(id, s)
    s.ring[s.next] = Math.ceil(outputTokens)
    s.next = (s.next + 1) % this.samples
    s.count = Math.min(s.count + 1, this.samples)
    s.cached = undefined
    if (this.series.size > this.maxEntries) {
      const oldest = this.series.keys().next()
      if (oldest.done !== true) this.series.delete(oldest.value)
    }
  }

  /** The tracked quantile (nearest rank) for key+model, or the default until `minSamples` are seen. */
  typical(key: string, model: string): number {
    const s = this.series.get(seriesId(key, model))
    if (s === undefined || s.count < this.minSamples) return this.defaultTokens
    if (s.cached === undefined) {
      const sorted = s.ring.slice(0, s.count).sort((a, b) => a - b)
      const rank = Math.max(1, Math.ceil(this.quantile * sorted.length))
      s.cached = sorted[rank - 1] ?? this.defaultTokens
    }
    return s.cached
  }

  get size(): number {
    return this.series.size
  }
}

function seriesId(key: string, model: string): string {
  return `${key}\u0000${model}`
}
