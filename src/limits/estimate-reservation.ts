// How many tokens a request reserves before it runs, and the per key+model output history that informs it.

/** Output reserved when the client gives no max_tokens and nothing has been observed yet. */
export const DEFAULT_TYPICAL_OUTPUT_TOKENS = 1024

export interface ReservationTokensInput {
  readonly inputTokensEstimate: number
  /** The request's max_tokens / max_output_tokens, when the client sent one. */
  readonly maxTokensRequested?: number
  /** Observed typical output for this key+model (see TypicalOutput); default 1024. */
  readonly typicalOutputTokens?: number
  /** Upper bound on reserved output whatever the client asks for (e.g. the model's output limit). */
  readonly capOutputTokens: number
}

export interface ReservationTokens {
  readonly inputTokens: number
  readonly outputTokens: number
  /** input + output: what a tokens-per-minute limiter consumes. */
  readonly totalTokens: number
  readonly outputSource: 'max_tokens' | 'typical'
}

function wholeTokens(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined
  return Math.max(0, Math.ceil(value))
}

/**
 * With max_tokens the output can never exceed it, so reserving min(max_tokens, cap) is a true upper
 * bound (the one the budget overshoot proof relies on). Without it the worst case is the model's whole
 * output window, which would make every budget and TPM check needlessly pessimistic, so the key+model's
 * typical output is reserved instead, still capped; settlement corrects either way.
 */
export function reservationTokens(input: ReservationTokensInput): ReservationTokens {
  const inputTokens = wholeTokens(input.inputTokensEstimate) ?? 0
  const cap = wholeTokens(input.capOutputTokens) ?? 0
  const requested = wholeTokens(input.maxTokensRequested)
  const outputSource = requested !== undefined ? 'max_tokens' : 'typical'
  const wanted = requested ?? wholeTokens(input.typicalOutputTokens) ?? DEFAULT_TYPICAL_OUTPUT_TOKENS
  const outputTokens = Math.min(wanted, cap)
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, outputSource }
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
