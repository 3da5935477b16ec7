// The normalized usage shape every provider's response is reduced to, and the wire families; types only, shared by providers, metering and pricing.

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

/** Which wire family a provider's responses belong to; picks the extractor. */
export type UsageFamily =
  | 'openai'      // OpenAI and every OpenAI-compatible API (chat, responses, embeddings, images, audio)
  | 'anthropic'   // Messages API (JSON and named SSE events)
  | 'gemini'      // generateContent / streamGenerateContent (usageMetadata); /openai/ compat path → openai rules
  | 'dashscope'   // native /api/v1 (running totals per SSE event) and /compatible-mode (openai rules)
  | 'byteplus'    // OpenAI-like chat + Seedream images + Seedance tasks
  | 'mulerouter'  // /vendors/<vendor>/... : vendor-shaped LLM responses, async task envelopes
  | 'mock'        // the built-in mock: /v1/messages → anthropic rules, everything else → openai rules
