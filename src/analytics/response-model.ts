// The model a response reported, as the meter kept it in a stored row's raw_usage (priced by it first).
import type { UsageEventRow } from '../db/usage-columns.ts'

/** The model the response reported, kept in raw_usage beside the provider's usage object; undefined when absent. */
export function responseModelOf(row: UsageEventRow): string | undefined {
  if (row.rawUsage === null) return undefined
  try {
    const model = (JSON.parse(row.rawUsage) as { model?: unknown }).model
    return typeof model === 'string' ? model : undefined
  } catch {
    return undefined
  }
}
