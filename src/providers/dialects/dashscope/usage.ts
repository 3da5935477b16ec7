// Usage from DashScope native /api/v1 responses: generation JSON/SSE (running totals) and async task results.
import type { ExtractInput, Extraction, Usage } from '../../../types/usage.ts'
import { bodyText, isStreamBody, lastObjectAfterKey, parseJson, sseEvents, sseJson } from '../../../wire/body.ts'
import { dig, has, makeUsage, num, rec, str, type Rec } from '../../../wire/fields.ts'

export function extractDashScope(input: ExtractInput): Extraction {
  const text = bodyText(input.body)
  if (isStreamBody(input.contentType, text)) return fromStream(text)
  const body = rec(parseJson(text))
  if (body === undefined) {
    const usage = input.truncated === true ? lastObjectAfterKey(text, 'usage') : undefined
    return usage === undefined ? { usage: null } : { usage: dashscopeUsage(usage, false), raw: usage }
  }
  const raw = rec(body.usage)
  const extraction: Extraction = { usage: null }
  const model = str(body.model)
  if (model !== undefined) extraction.model = model
  // An async task's submit or poll: the task is billed once, on its job's row (src/jobs/), never per poll.
  if (str(dig(body, 'output', 'task_id')) !== undefined) extraction.job = true
  if (raw === undefined) return extraction
  extraction.raw = raw
  if (extraction.job) return extraction
  extraction.usage = dashscopeUsage(raw, isVideoResult(body))
  return extraction
}

function isVideoResult(body: Rec): boolean {
  return str(dig(body, 'output', 'video_url')) !== undefined || has(dig(body, 'usage', 'video_count'))
}

export function dashscopeUsage(u: Rec, video: boolean): Usage {
  const ptd = rec(u.prompt_tokens_details)
  const itd = rec(u.input_tokens_details)
  const bare = !has(u.input_tokens) && !has(u.output_tokens)
  // `duration` is seconds of audio for ASR, but some video models report their length there too.
  const duration = num(u.duration)
  const cacheWrite5m = num(dig(ptd, 'cache_creation', 'ephemeral_5m_input_tokens'))
  return makeUsage({
    // Rerank and a few others report only total_tokens: all of it is input.
    inputTokens: bare ? num(u.total_tokens) : num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(ptd?.cached_tokens),
    cacheWriteTokens: num(ptd?.cache_creation_input_tokens) || cacheWrite5m,
    cacheWrite5mTokens: cacheWrite5m,
    reasoningTokens: num(dig(u, 'output_tokens_details', 'reasoning_tokens')),
    inputImageTokens: num(u.image_tokens) || num(itd?.image_tokens),
    inputAudioTokens: num(u.audio_tokens) || num(itd?.audio_tokens),
    webSearches: num(dig(u, 'plugins', 'search', 'count')),
    images: num(u.image_count),
    videoSeconds: num(u.video_duration) || (video ? duration : 0),
    audioSeconds: video ? 0 : duration,
    characters: num(u.characters),
  })
}

/** "null" (the string) is how DashScope says a stream has not finished yet. */
function finished(reason: unknown): boolean {
  return typeof reason === 'string' && reason !== '' && reason !== 'null'
}

function fromStream(text: string): Extraction {
  let raw: Rec | undefined
  let done = false
  const texts: string[] = []
  for (const { json } of sseJson(sseEvents(text))) {
    const chunk = rec(json)
    if (chunk === undefined) continue
    raw = rec(chunk.usage) ?? raw
    const output = rec(chunk.output)
    if (finished(output?.finish_reason)) done = true
    let eventText = typeof output?.text === 'string' ? output.text : ''
    const choices = Array.isArray(output?.choices) ? output.choices : []
    for (const choice of choices) {
      if (finished(rec(choice)?.finish_reason)) done = true
      eventText += messageText(dig(choice, 'message', 'content'))
    }
    if (eventText !== '') texts.push(eventText)
  }
  const extraction: Extraction = { usage: null, streamedText: joinTexts(texts), incomplete: !done }
  if (raw !== undefined) {
    extraction.usage = dashscopeUsage(raw, false)
    extraction.raw = raw
  }
  return extraction
}

/** Multimodal models send content as [{text}, {image}...] instead of a string. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => (typeof rec(part)?.text === 'string' ? (rec(part)?.text as string) : '')).join('')
}

/** Without incremental_output every event repeats the whole answer so far; with it, events are deltas. */
function joinTexts(texts: string[]): string {
  const cumulative = texts.every((t, i) => i === 0 || t.startsWith(texts[i - 1] ?? ''))
  return cumulative ? (texts[texts.length - 1] ?? '') : texts.join('')
}
