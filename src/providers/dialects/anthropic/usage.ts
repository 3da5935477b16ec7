// Usage from Anthropic Messages API responses: JSON message and named-event SSE streams.
import type { ExtractInput, Extraction, Usage } from '../../../types/usage.ts'
import { bodyText, isStreamBody, sseEvents, sseJson } from '../../../wire/body.ts'
import { dig, jsonUsage, makeUsage, num, rec, str, type Rec } from '../../../wire/fields.ts'

export function extractAnthropic(input: ExtractInput): Extraction {
  const text = bodyText(input.body)
  if (isStreamBody(input.contentType, text)) return fromStream(text)
  return jsonUsage(text, input.truncated === true, anthropicUsage)
}

/** Anthropic's input_tokens excludes cache reads and writes; the normalized input includes both. */
export function anthropicUsage(u: Rec): Usage {
  const split5m = num(dig(u, 'cache_creation', 'ephemeral_5m_input_tokens'))
  const split1h = num(dig(u, 'cache_creation', 'ephemeral_1h_input_tokens'))
  const cacheWrite = num(u.cache_creation_input_tokens) || split5m + split1h
  const cacheRead = num(u.cache_read_input_tokens)
  return makeUsage({
    inputTokens: num(u.input_tokens) + cacheWrite + cacheRead,
    outputTokens: num(u.output_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite5mTokens: split5m,
    cacheWrite1hTokens: split1h,
    reasoningTokens: num(dig(u, 'output_tokens_details', 'thinking_tokens')),
    webSearches: num(dig(u, 'server_tool_use', 'web_search_requests')),
  })
}

/** message_delta may repeat these; a null or absent one must not erase what message_start said. */
const OVERWRITE_WHEN_PRESENT = [
  'input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'cache_creation',
  'server_tool_use', 'output_tokens_details',
] as const

function fromStream(stream: string): Extraction {
  let startUsage: Rec | undefined
  let deltaUsage: Rec | undefined
  let merged: Rec | undefined
  let model: string | undefined
  let text = ''
  let stopped = false

  for (const { event, json } of sseJson(sseEvents(stream))) {
    const chunk = rec(json)
    if (chunk === undefined) continue
    switch (str(chunk.type) ?? event) {
      case 'message_start': {
        const message = rec(chunk.message)
        model = str(message?.model) ?? model
        startUsage = rec(message?.usage) ?? startUsage
        if (startUsage !== undefined) merged = { ...startUsage }
        break
      }
      case 'message_delta': {
        const usage = rec(chunk.usage)
        if (usage === undefined) break
        deltaUsage = usage
        // Running totals for the whole message: overwrite, never add.
        merged = { ...merged }
        if (usage.output_tokens !== undefined) merged.output_tokens = usage.output_tokens
        for (const key of OVERWRITE_WHEN_PRESENT) {
          if (usage[key] !== undefined && usage[key] !== null) merged[key] = usage[key]
        }
        break
      }
      case 'content_block_delta': {
        const delta = rec(chunk.delta)
        if (delta?.type === 'text_delta' && typeof delta.text === 'string') text += delta.text
        break
      }
      case 'message_stop':
        stopped = true
        break
    }
  }

  const extraction: Extraction = { usage: null, streamedText: text, incomplete: !stopped }
  if (merged !== undefined) {
    extraction.usage = anthropicUsage(merged)
    extraction.raw = { message_start: startUsage ?? null, message_delta: deltaUsage ?? null }
  }
  if (model !== undefined) extraction.model = model
  return extraction
}
