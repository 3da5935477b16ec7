// The normalized usage shape every provider's response is reduced to, and what a usage reader takes and returns; types only, shared by providers, metering and pricing.

/**
 * Token and media counts for one request, in one convention whatever the provider:
 * `inputTokens` is the TOTAL input including cache reads and cache writes (OpenAI's convention,
 * and what @pydantic/genai-prices expects), `outputTokens` is the TOTAL billable output including
 * reasoning/thinking tokens. Fields a provider does not report are 0 / undefined.
 */
export interface Usage {
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  /** All cache-write tokens (sum of the TTL split when the provider gives one). */
  cacheWriteTokens: number
  cacheWrite5mTokens?: number
  cacheWrite1hTokens?: number
  /** Informational: already included in outputTokens. */
  reasoningTokens: number
  inputAudioTokens?: number
  outputAudioTokens?: number
  inputImageTokens?: number
  outputImageTokens?: number
  webSearches?: number
  /** Generated images (per-image priced models: Seedream, DashScope image tasks). */
  images?: number
  /** Seconds of generated video / audio (per-second priced media). */
  videoSeconds?: number
  audioSeconds?: number
  /** Characters (TTS). */
  characters?: number
}

/** What a dialect's usage reader takes: one recorded response. */
export interface ExtractInput {
  /** Upstream path without query, e.g. "/v1/chat/completions" or "/v1beta/models/gemini-2.5-flash:streamGenerateContent". */
  path: string
  /** Response content-type header (lower-cased), e.g. "text/event-stream" or "application/json". */
  contentType: string
  /** Response body, already decompressed. May be truncated in the middle (see `truncated`). */
  body: Uint8Array
  /** True when the meter kept only the head and tail of a very large body. */
  truncated?: boolean
}

/** What a dialect's usage reader finds in a response. */
export interface Extraction {
  /** null when the response carries no usage information at all. */
  usage: Usage | null
  /** The model the provider reports in the response, when it does. */
  model?: string
  /** The provider's own usage object(s), verbatim (last value seen), kept for repricing. */
  raw?: unknown
  /** For streams: the concatenated generated text, used to estimate tokens when usage is absent. */
  streamedText?: string
  /** True when the body is a stream that ended without its terminal event (cut by either side). */
  incomplete?: boolean
  /**
   * The answer is an async job's envelope (its submit or a poll): the exchange itself costs nothing, the job is billed
   * once, on its own usage row, when it ends (src/jobs/).
   */
  job?: boolean
}
