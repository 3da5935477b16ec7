// Usage from native Gemini generateContent / streamGenerateContent (JSON, JSON-array stream, SSE).
import type { ExtractInput, Extraction, Usage } from '../../../types/usage.ts'
import { bodyText, isStreamBody, jsonArrayElements, lastObjectAfterKey, parseJson, sseEvents, sseJson } from '../../../wire/body.ts'
import { makeUsage, num, rec, str, type Rec } from '../../../wire/fields.ts'

export function extractGemini(input: ExtractInput): Extraction {
  const text = bodyText(input.body)
  if (isStreamBody(input.contentType, text)) {
    const chunks = sseJson(sseEvents(text)).map((e) => e.json)
    return fromChunks(chunks, true)
  }
  if (text.trimStart().startsWith('[')) {
    // Without alt=sse the stream is one JSON array delivered piecemeal; it may stop mid-element.
    const { elements, closed } = jsonArrayElements(text)
    const extraction = fromChunks(elements, closed)
    if (extraction.usage === null && input.truncated === true) return fromTail(text, extraction)
    return extraction
  }
  const body = rec(parseJson(text))
  if (body === undefined) return input.truncated === true ? fromTail(text, { usage: null }) : { usage: null }
  const raw = rec(body.usageMetadata)
  const extraction: Extraction = { usage: raw === undefined ? null : geminiUsage(raw) }
  if (raw !== undefined) extraction.raw = raw
  const model = str(body.modelVersion)
  if (model !== undefined) extraction.model = model
  return extraction
}

/** candidatesTokenCount excludes thoughts, but both are billed as output. */
export function geminiUsage(u: Rec): Usage {
  const thoughts = num(u.thoughtsTokenCount)
  const prompt = modalityCounts(u.promptTokensDetails)
  const candidates = modalityCounts(u.candidatesTokensDetails)
  return makeUsage({
    inputTokens: num(u.promptTokenCount) + num(u.toolUsePromptTokenCount),
    outputTokens: num(u.candidatesTokenCount) + thoughts,
    cacheReadTokens: num(u.cachedContentTokenCount),
    reasoningTokens: thoughts,
    inputAudioTokens: prompt.AUDIO,
    inputImageTokens: prompt.IMAGE,
    outputAudioTokens: candidates.AUDIO,
    outputImageTokens: candidates.IMAGE,
  })
}

function modalityCounts(details: unknown): Record<string, number> {
  const counts: Record<string, number> = {}
  if (!Array.isArray(details)) return counts
  for (const d of details) {
    const entry = rec(d)
    const modality = str(entry?.modality)
    if (modality !== undefined) counts[modality] = (counts[modality] ?? 0) + num(entry?.tokenCount)
  }
  return counts
}

/** Each chunk's usageMetadata is a running total: the last one wins. */
function fromChunks(chunks: unknown[], streamClosed: boolean): Extraction {
  let raw: Rec | undefined
  let model: string | undefined
  let text = ''
  let finished = false
  for (const c of chunks) {
    const chunk = rec(c)
    if (chunk === undefined) continue
    raw = rec(chunk.usageMetadata) ?? raw
    model = str(chunk.modelVersion) ?? model
    const candidates = Array.isArray(chunk.candidates) ? chunk.candidates : []
    for (const candidate of candidates) {
      if (str(rec(candidate)?.finishReason) !== undefined) finished = true
      const parts = rec(rec(candidate)?.content)?.parts
      if (!Array.isArray(parts)) continue
      for (const part of parts) {
        const t = rec(part)?.text
        if (typeof t === 'string') text += t
      }
    }
  }
  const extraction: Extraction = { usage: null, streamedText: text, incomplete: !(finished && streamClosed) }
  if (raw !== undefined) {
    extraction.usage = geminiUsage(raw)
    extraction.raw = raw
  }
  if (model !== undefined) extraction.model = model
  return extraction
}

function fromTail(text: string, fallback: Extraction): Extraction {
  const raw = lastObjectAfterKey(text, 'usageMetadata')
  if (raw === undefined) return fallback
  return { ...fallback, usage: geminiUsage(raw), raw }
}
