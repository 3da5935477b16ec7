// Defensive reads from untrusted provider JSON, and the one place a normalized Usage is assembled.
import type { Usage } from '../usage-types.ts'
import { isRecord } from './body.ts'

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
