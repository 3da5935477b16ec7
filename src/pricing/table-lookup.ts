// Finds the price-table row for a (provider, model, time): exact id, else longest versioned prefix, newest effective row.
import type { PriceTableEntry } from './types.ts'

/** True when `key` is `id` itself or `id` is `key` plus a version suffix after a separator (`qwen-plus` → `qwen-plus-2025-07-28`). */
export function isModelPrefix(key: string, id: string): boolean {
  if (!id.startsWith(key)) return false
  if (id.length === key.length) return true
  // Requiring a separator keeps `seed-1-6` from matching a hypothetical `seed-1-60`.
  return /[^a-z0-9]/i.test(id.charAt(key.length))
}

export function effectiveAt(effectiveFrom: string | undefined, at: Date): boolean {
  if (effectiveFrom === undefined) return true
  const from = Date.parse(effectiveFrom)
  return Number.isFinite(from) && from <= at.getTime()
}

/**
 * Each table's rows by provider, built at its first lookup: a priced request scans its provider's rows, not the whole
 * table. Rebuilt if the table's length changed (tables are readonly; this only guards a test that builds one up).
 */
const byProviderOf = new WeakMap<readonly PriceTableEntry[], { length: number; rows: Map<string, PriceTableEntry[]> }>()

function rowsOf(table: readonly PriceTableEntry[], provider: string): readonly PriceTableEntry[] {
  let index = byProviderOf.get(table)
  if (!index || index.length !== table.length) {
    const rows = new Map<string, PriceTableEntry[]>()
    for (const entry of table) {
      const list = rows.get(entry.provider)
      if (list) list.push(entry)
      else rows.set(entry.provider, [entry])
    }
    index = { length: table.length, rows }
    byProviderOf.set(table, index)
  }
  return index.rows.get(provider) ?? []
}

export function findTableEntry(
  table: readonly PriceTableEntry[],
  provider: string,
  model: string,
  at: Date,
): PriceTableEntry | undefined {
  const id = model.toLowerCase()
  const live = rowsOf(table, provider).filter((e) => effectiveAt(e.effectiveFrom, at))

  let keyed = live.filter((e) => e.model.toLowerCase() === id)
  if (keyed.length === 0) {
    const prefixed = live.filter((e) => e.exact !== true && isModelPrefix(e.model.toLowerCase(), id))
    const longest = Math.max(0, ...prefixed.map((e) => e.model.length))
    keyed = prefixed.filter((e) => e.model.length === longest)
  }

  let best: PriceTableEntry | undefined
  for (const e of keyed) {
    if (!best || Date.parse(e.effectiveFrom) > Date.parse(best.effectiveFrom)) best = e
  }
  return best
}
