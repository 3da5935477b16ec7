// The contract of a wire format (dialect): how its responses report usage, how its streams end, what its requests ask for.
import type { ErrorFormat, ErrorKind } from '../errors/error-shapes.ts'
import type { ExtractInput, Extraction } from '../types/usage.ts'
import type { PromptCount } from '../wire/prompt-text.ts'
import type { ReachedEnd } from '../wire/stream-tail-text.ts'

export type { ReachedEnd }
export type { ErrorFormat, ErrorKind }

/**
 * One wire format, as a provider uses it on some of its paths. Providers reuse the shared ones (src/providers/dialects/)
 * or bring their own. Every member is pure and bounded: the proxy thread calls only the cheap ones (`streamEnd`,
 * `streamsByPath`, `includeUsage`, `maxTokens`, `answers`), the metering worker the rest.
 */
export interface Dialect {
  /** A short name, e.g. `openai`, `gemini-native`. */
  readonly id: string
  /** Usage, model and stream state in one recorded response; may throw (the caller guards it). Worker only. */
  readonly usage: (input: ExtractInput) => Extraction
  /** Whether a stream's delivered tail ends with its terminal event; absent: only the upstream's close ends it. */
  readonly streamEnd?: ReachedEnd
  /** The request streams because of its path, whatever its body or the response's content type says (Gemini). */
  readonly streamsByPath?: (path: string) => boolean
  /** Whether the gateway may add `stream_options.include_usage` to this path's streaming requests (OpenAI's chat). */
  readonly includeUsage?: (path: string) => boolean
  /** The per-answer output cap a JSON request asks for (`max_tokens` and its spellings). */
  readonly maxTokens: (json: Record<string, unknown>) => number | undefined
  /** How many answers a JSON request asks for (each may use the whole cap); undefined: one. */
  readonly answers: (json: Record<string, unknown>) => number | undefined
  /** How many images a request may return, when the format says more than one per answer (Seedream's sequential generation). */
  readonly images?: (json: Record<string, unknown>) => number | undefined
  /** The prompt text of a parsed request body, for a token estimate when the response carried no usage. */
  readonly prompt: (body: unknown, count: PromptCount) => void
  /** Calls the upstream does not bill (token counting, listings, files, batch management). */
  readonly freeEndpoint: (method: string, path: string) => boolean
}
