// Shapes of prices and pricing results: our versioned table entries, overrides, and what priceUsage returns.

/** Outcome of pricing one request. Money is integer micro-USD; null means "we do not know", never "free". */
export interface PriceResult {
  costMicros: number | null
  status: 'priced' | 'unpriced'
  /** `mock`: the built-in mock provider, which no one bills: a true $0. */
  source: 'override' | 'table' | 'genai-prices' | 'mock' | 'none'
  /** Why a request is unpriced, or which reported units could not be priced. */
  detail?: string
}

/**
 * Token rates in micro-USD per 1M tokens. A rate that is absent means "unknown" (the unit is reported as
 * unpriced); an explicit 0 means "not billed" (e.g. informational tokens on a per-image model).
 */
export interface TokenRates {
  inputMicrosPerMTok?: number
  outputMicrosPerMTok?: number
  /** Falls back to the input rate when absent, i.e. never cheaper than we can justify. */
  cacheReadMicrosPerMTok?: number
  cacheWriteMicrosPerMTok?: number
  /**
   * DashScope bills all output at a higher rate when the request ran in thinking mode; we take
   * `reasoningTokens > 0` as the sign of thinking mode.
   */
  thinkingOutputMicrosPerMTok?: number
}

/**
 * One input-length tier. The tier is chosen by the request's TOTAL input tokens (first tier whose
 * `upToInputTokens` is >= it) and its rates apply to every token of that request (DashScope, BytePlus).
 */
export interface PriceTier extends TokenRates {
  upToInputTokens: number
}

/** Every way a model can be priced; shared by table entries and overrides. */
export interface PriceFields extends TokenRates {
  /** When present, replaces the flat token rates above; sorted ascending by upToInputTokens. */
  tiers?: readonly PriceTier[]
  perImageMicros?: number
  perVideoSecondMicros?: number
  /** Micro-USD per 1M output (video) tokens, e.g. Seedance; when set it prices `outputTokens` instead of the output rate. */
  perOutputMTok?: number
}

/**
 * Token rates that replace an entry's own during a daily UTC window (DeepSeek's peak hours). `from` is inclusive and
 * `to` exclusive, both `HH:MM` UTC; a window whose `to` is not after `from` runs past midnight. `weekdays` (UTC day of
 * the request, 0 = Sunday) limits the window to those days; absent means every day.
 */
export interface TimeWindow {
  from: string
  to: string
  weekdays?: readonly number[]
  rates: TokenRates
}

/** A row of our own price table. Several rows may share a model with different `effectiveFrom` dates. */
export interface PriceTableEntry extends PriceFields {
  provider: string
  /** Model id, or a prefix of versioned ids (`qwen-plus` matches `qwen-plus-2025-07-28`). */
  model: string
  /** Match `model` only exactly, never as a prefix (`grok-3` must not price `grok-3-mini`, nor `grok-4` price `grok-4.5`). */
  exact?: boolean
  /** ISO date or date-time (UTC, with `Z`) from which this price applies. */
  effectiveFrom: string
  /** Where the number came from (URL), so a price can be re-checked. */
  source: string
  /** Where the official page's text was read when no copy of `source` itself was at hand (URL of the quoting page). */
  via?: string
  /** ISO date the row was last checked against `source`. */
  checkedOn?: string
  /** Daily windows with other token rates (first match wins); only on entries without tiers. */
  timeWindows?: readonly TimeWindow[]
  /** Why a row has no rates (e.g. a retired model id): its requests are stored as unpriced, with this reason. */
  note?: string
}

/** One comparison of genai-prices (or our table) against a provider's own price page, and what came of it. */
export interface PriceCheck {
  provider: string
  /** The models and units compared. */
  compared: string
  /** The official page the figures were read from, and (when it differs) where that page's text was found. */
  source: string
  /** ISO date the check was made. */
  checkedOn: string
  result: string
}

/** An operator-defined price that wins over the table and genai-prices; global, or scoped to one org. */
export interface PriceOverride extends PriceFields {
  /** Provider id; `*` globs allowed. */
  provider: string
  /** Model id pattern; `*` matches any run of characters, e.g. `gpt-4o*` or `*`. */
  model: string
  /** Absent = global override. */
  orgId?: string
  /** ISO date; an override is ignored for requests before it. */
  effectiveFrom?: string
  source?: string
}
