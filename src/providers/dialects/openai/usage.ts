// Usage from OpenAI and OpenAI-compatible responses: chat, Responses, embeddings, images, audio (JSON and SSE).
import type { ExtractInput, Extraction, Usage } from '../../../types/usage.ts'
import { bodyText, isStreamBody, lastObjectAfterKey, parseJson, sseEvents, sseJson } from '../../../wire/body.ts'
import { dig, has, makeUsage, num, rec, str, type Rec } from '../../../wire/fields.ts'

export function extractOpenAI(input: ExtractInput): Extraction {
  const text = bodyText(input.body)
  if (isStreamBody(input.contentType, text)) return fromUsageChunk(text) ?? fromStream(text)
  return fromJson(text, input.truncated === true)
}

/** One usage object in any of OpenAI's shapes → Usage; null when it carries no counts at all. */
export function openaiUsage(u: Rec): Usage | null {
  if (u.type === 'duration') return makeUsage({ audioSeconds: num(u.seconds) })
  if (has(u.prompt_tokens) || has(u.completion_tokens) || has(u.prompt_cache_hit_tokens)) return chatShape(u)
  if (has(u.input_tokens) || has(u.output_tokens)) return responsesShape(u)
  // Rerank-style and other bare counts: all of it is input.
  if (has(u.total_tokens)) return makeUsage({ inputTokens: num(u.total_tokens) })
  return null
}

function chatShape(u: Rec): Usage {
  const ptd = rec(u.prompt_tokens_details)
  const ctd = rec(u.completion_tokens_details)
  const hit = u.prompt_cache_hit_tokens
  const miss = u.prompt_cache_miss_tokens
  const prompt = has(u.prompt_tokens) ? num(u.prompt_tokens) : num(hit) + num(miss)
  // DeepSeek reports hits beside prompt_tokens; xAI sometimes as cached_prompt_text_tokens.
  const cached = firstNumber(ptd?.cached_tokens, hit, u.cached_prompt_text_tokens)
  const completion = num(u.completion_tokens)
  const reasoning = num(ctd?.reasoning_tokens)
  return makeUsage({
    inputTokens: prompt,
    outputTokens: completion + (reasoningExcluded(u, prompt, completion, reasoning) ? reasoning : 0),
    cacheReadTokens: cached,
    cacheWriteTokens: num(ptd?.cache_write_tokens),
    reasoningTokens: reasoning,
    inputAudioTokens: num(ptd?.audio_tokens),
    inputImageTokens: num(ptd?.image_tokens),
    outputAudioTokens: num(ctd?.audio_tokens),
    outputImageTokens: num(ctd?.image_tokens),
  })
}

/**
 * xAI counts reasoning outside completion_tokens; the totals give it away, since then
 * total = prompt + completion + reasoning instead of prompt + completion.
 */
function reasoningExcluded(u: Rec, prompt: number, completion: number, reasoning: number): boolean {
  if (reasoning <= 0 || !has(u.total_tokens)) return false
  return completion + reasoning === num(u.total_tokens) - prompt
}

function responsesShape(u: Rec): Usage {
  // Responses/images say input_tokens_details; transcriptions say input_token_details.
  const itd = rec(u.input_tokens_details) ?? rec(u.input_token_details)
  const otd = rec(u.output_tokens_details) ?? rec(u.output_token_details)
  return makeUsage({
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(itd?.cached_tokens),
    cacheWriteTokens: num(itd?.cache_write_tokens),
    reasoningTokens: num(otd?.reasoning_tokens),
    inputImageTokens: num(itd?.image_tokens),
    inputAudioTokens: num(itd?.audio_tokens),
    outputImageTokens: num(otd?.image_tokens),
    outputAudioTokens: num(otd?.audio_tokens),
  })
}

function firstNumber(...values: unknown[]): number {
  for (const v of values) if (has(v)) return num(v)
  return 0
}

function fromJson(text: string, truncated: boolean): Extraction {
  const body = rec(parseJson(text))
  if (body === undefined) {
    const usage = truncated ? lastObjectAfterKey(text, 'usage') : undefined
    return usage === undefined ? { usage: null } : withModel({ usage: openaiUsage(usage), raw: usage }, undefined)
  }
  // A retrieved Responses object may come wrapped (webhooks, background polls).
  const holder = rec(body.response) ?? body
  const raw = rec(holder.usage) ?? rec(dig(holder, 'x_groq', 'usage'))
  const model = str(holder.model)
  if (raw === undefined) return withModel({ usage: null }, model)
  return withModel({ usage: openaiUsage(raw), raw }, model)
}

function withModel(extraction: Extraction, model: string | undefined): Extraction {
  if (model !== undefined) extraction.model = model
  return extraction
}

/**
 * Chat streams report usage in one late chunk (include_usage, and every compatible provider that reports it), so
 * finding that chunk from the end parses one event instead of every delta. The rest of the walk only builds the
 * text for token estimation, which a stream with usage never needs: it runs only if that text is read. Anything
 * else (no top-level usage object, Responses/image/transcript events, an event split over several `data:` lines, a
 * chunk without a model) returns undefined and takes the full walk, which gives the same answer.
 */
function fromUsageChunk(text: string): Extraction | undefined {
  if (text.includes('event:')) return undefined
  const at = Math.max(text.lastIndexOf('"usage":{'), text.lastIndexOf('"usage": {'))
  if (at < 0) return undefined
  const lineStart = text.lastIndexOf('\n', at) + 1
  const newline = text.indexOf('\n', at)
  const line = text.slice(lineStart, newline < 0 ? text.length : newline)
  if (!line.startsWith('data:')) return undefined
  const chunk = rec(parseJson(line.slice(5)))
  const raw = rec(chunk?.usage)
  const model = str(chunk?.model)
  if (chunk === undefined || raw === undefined || model === undefined || chunk.type !== undefined) return undefined
  let streamedText: string | undefined
  const extraction: Extraction = { usage: openaiUsage(raw), raw, incomplete: false, model }
  Object.defineProperty(extraction, 'streamedText', { enumerable: true, get: () => (streamedText ??= fromStream(text).streamedText ?? '') })
  return extraction
}

const RESPONSES_TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed'])

function fromStream(stream: string): Extraction {
  let usageObj: Rec | undefined
  let groqUsage: Rec | undefined
  let model: string | undefined
  let text = ''
  let sawDone = false
  let family: 'chat' | 'responses' | 'image' | 'transcript' = 'chat'
  let terminal = false

  for (const { event, data, json } of sseJson(sseEvents(stream))) {
    if (data === '[DONE]') {
      sawDone = true
      continue
    }
    const chunk = rec(json)
    if (chunk === undefined) continue
    const type = str(chunk.type) ?? event ?? ''

    if (type.startsWith('response.')) {
      family = 'responses'
      const response = rec(chunk.response)
      model = str(response?.model) ?? model
      if (type === 'response.output_text.delta' && typeof chunk.delta === 'string') text += chunk.delta
      if (RESPONSES_TERMINAL.has(type)) {
        terminal = true
        usageObj = rec(response?.usage) ?? usageObj
      }
      continue
    }
    if (type.startsWith('image_generation.') || type.startsWith('image_edit.')) {
      family = 'image'
      if (type.endsWith('.completed')) terminal = true
    } else if (type.startsWith('transcript.')) {
      family = 'transcript'
      if (type === 'transcript.text.delta' && typeof chunk.delta === 'string') text += chunk.delta
      if (type === 'transcript.text.done') terminal = true
    }

    model = str(chunk.model) ?? model
    const choices = Array.isArray(chunk.choices) ? chunk.choices : []
    for (const choice of choices) {
      const content = dig(choice, 'delta', 'content')
      if (typeof content === 'string') text += content
    }
    usageObj = rec(chunk.usage) ?? usageObj
    groqUsage = rec(dig(chunk, 'x_groq', 'usage')) ?? groqUsage
  }

  const raw = usageObj ?? groqUsage
  const incomplete = family === 'chat' ? !sawDone && raw === undefined : !terminal
  const extraction: Extraction = { usage: null, streamedText: text, incomplete }
  if (raw !== undefined) {
    extraction.usage = openaiUsage(raw)
    extraction.raw = raw
  }
  return withModel(extraction, model)
}
