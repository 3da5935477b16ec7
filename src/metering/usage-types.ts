// What a usage extractor takes and returns; the usage shape itself is in src/types/usage.ts.

// Usage and UsageFamily live in src/types/usage.ts so providers and pricing need not import metering.
import type { Usage, UsageFamily } from '../types/usage.ts'

export type { Usage, UsageFamily }

export interface ExtractInput {
  family: UsageFamily
  /** Upstream path without query, e.g. "/v1/chat/completions" or "/v1beta/models/gemini-2.5-flash:streamGenerateContent". */
  path: string
  /** Response content-type header (lower-cased), e.g. "text/event-stream" or "application/json". */
  contentType: string
  /** Response body, already decompressed. May be truncated in the middle (see `truncated`). */
  body: Uint8Array
  /** True when the meter kept only the head and tail of a very large body. */
  truncated?: boolean
}

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
}
