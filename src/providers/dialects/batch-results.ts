// Pure: a batch's result lines (a file's or inlined in an answer) summed per model (succeeded lines billed, failed ones free, unreadable ones counted), bounded in models.
import type { InlineResult, ResultLine } from '../../types/jobs.ts'
import type { JobResults } from '../../types/ledger-write.ts'
import type { Usage } from '../../types/usage.ts'

/** More distinct models than any batch holds: the rest are counted unreadable (the job is then left unpriced). */
const MAX_RESULT_MODELS = 100

export interface ResultTally {
  /** One read line: its model and usage, or undefined for a failed line (free). */
  add(line: ResultLine | undefined): void
  /** One line that could not be read: its cost is unknown. */
  unreadable(): void
  /** Lines seen so far (read, failed and unreadable). */
  readonly lines: number
  results(): JobResults
}

function addUsage(total: Usage, usage: Usage): void {
  // Every counter the line reports (modality tokens, images, seconds too): a price may depend on any of them.
  const into = total as unknown as Record<string, number | undefined>
  for (const [field, value] of Object.entries(usage)) {
    if (typeof value === 'number' && Number.isFinite(value)) into[field] = (into[field] ?? 0) + value
  }
}

export function resultTally(): ResultTally {
  const groups = new Map<string, { model: string | null; usage: Usage; lines: number }>()
  let failedLines = 0
  let unreadableLines = 0
  let lines = 0
  return {
    add(line) {
      lines++
      if (!line) {
        failedLines++
        return
      }
      const key = line.model ?? ''
      let group = groups.get(key)
      if (!group) {
        if (groups.size >= MAX_RESULT_MODELS) {
          unreadableLines++
          return
        }
        group = { model: line.model, usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, lines: 0 }
        groups.set(key, group)
      }
      group.lines++
      addUsage(group.usage, line.usage)
    },
    unreadable() {
      lines++
      unreadableLines++
    },
    get lines() {
      return lines
    },
    results: () => ({ groups: [...groups.values()], failedLines, unreadableLines }),
  }
}

/** Counts one inlined result as what it is: billed, failed (free) or unreadable. */
export function tallyInline(tally: ResultTally, result: InlineResult): void {
  if (result === 'unreadable') tally.unreadable()
  else tally.add(result === 'failed' ? undefined : result)
}

/** The results with the lines that name no model counted under the job's own model (the one its submit named), when it has one. */
export function withJobModel(results: JobResults, model: string | null): JobResults {
  if (model === null || !results.groups.some((g) => g.model === null)) return results
  const groups = new Map<string, { model: string | null; usage: Usage; lines: number }>()
  for (const group of results.groups) {
    const key = group.model ?? model
    const into = groups.get(key) ?? { model: key, usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, lines: 0 }
    into.lines += group.lines
    addUsage(into.usage, group.usage)
    groups.set(key, into)
  }
  return { ...results, groups: [...groups.values()] }
}
