// What a provider-object row remembers of a checked batch input file (its models and per-model bounds), as JSON: written at upload, read at a batch's create.
import type { BatchInputGroup } from '../types/jobs.ts'

/** A file's distinct models are few; a record naming more than this is not trusted (fail closed: the batch stays unknowable). */
const MAX_GROUPS = 10_000

export function encodeBatchInput(groups: readonly BatchInputGroup[]): string {
  return JSON.stringify({ v: 1, groups })
}

const count = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/** The groups, or undefined when the record is missing or not one this version wrote (then nothing was checked). */
export function decodeBatchInput(text: string | undefined): BatchInputGroup[] | undefined {
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  const record = parsed as { v?: unknown; groups?: unknown }
  if (!record || record.v !== 1 || !Array.isArray(record.groups) || record.groups.length > MAX_GROUPS) return undefined
  const groups: BatchInputGroup[] = []
  for (const entry of record.groups as unknown[]) {
    const g = entry as Record<string, unknown> | null
    if (!g || typeof g.model !== 'string' || !count(g.lines) || !count(g.inputTokens) || !count(g.cappedOutputTokens) || !count(g.uncappedAnswers)) return undefined
    groups.push({ model: g.model, lines: g.lines, inputTokens: g.inputTokens, cappedOutputTokens: g.cappedOutputTokens, uncappedAnswers: g.uncappedAnswers })
  }
  return groups
}
