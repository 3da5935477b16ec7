// Defensive reads from untrusted provider JSON, and the one place a normalized Usage is assembled.
import type { Extraction, Usage } from '../types/usage.ts'
import { isRecord, lastObjectAfterKey, parseJson } from './body.ts'

export type Rec = Record<string, unknown>

export function rec(v: unknown): Rec | undefined {
  return isRecord(v) ? v : undefined
}

/** A finite non-negative number, else 0: providers send null, strings and garbage in usage fields. */
export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0
}

export function has(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v)
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

export function dig(v: unknown, ...keys: string[]): unknown {
  let cur = v
  for (const k of keys) {
    if (!isRecord(cur)) return undefined
    cur = cur[k]
  }
  return cur
}

type Optional = Omit<Usage, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens'>

/** Optional fields are set only when positive, so "not reported" and "zero" compare equal downstream. */
export function makeUsage(fields: Partial<Usage>): Usage {
  const usage: Usage = {
    inputTokens: num(fields.inputTokens),
    outputTokens: num(fields.outputTokens),
    cacheReadTokens: num(fields.cacheReadTokens),
    cacheWriteTokens: num(fields.cacheWriteTokens),
    reasoningTokens: num(fields.reasoningTokens),
  }
  const optional: (keyof Optional)[] = [
    'cacheWrite5mTokens', 'cacheWrite1hTokens', 'inputAudioTokens', 'outputAudioTokens', 'inputImageTokens',
    'outputImageTokens', 'webSearches', 'images', 'videoSeconds', 'audioSeconds', 'characters',
  ]
  for (const key of optional) {
    const v = num(fields[key])
    if (v > 0) usage[key] = v
  }
  return usage
}

/**
 * A JSON response's top-level `usage` object and `model`. A body the meter kept only the head and tail of does not
 * parse: its usage is then looked for in the tail (the model went with the middle).
 */
export function jsonUsage(text: string, truncated: boolean, toUsage: (raw: Rec) => Usage): Extraction {
  const body = rec(parseJson(text))
  const raw = body === undefined ? (truncated ? lastObjectAfterKey(text, 'usage') : undefined) : rec(body.usage)
  const extraction: Extraction = { usage: raw === undefined ? null : toUsage(raw) }
  if (raw !== undefined) extraction.raw = raw
  const model = str(body?.model)
  if (model !== undefined) extraction.model = model
  return extraction
}
