// Picks the operator price override for a request: org-scoped before global, most specific pattern first.
import type { PriceOverride } from './types.ts'
import { effectiveAt } from './table-lookup.ts'
import { globToRegExp } from '../glob.ts'

/** Patterns come from the operator's overrides (a handful): compiled once each, not on every priced request. */
const compiled = new Map<string, RegExp>()

export function globMatches(pattern: string, value: string): boolean {
  let regExp = compiled.get(pattern)
  if (regExp === undefined) {
    regExp = globToRegExp(pattern, 'i')
    compiled.set(pattern, regExp)
  }
  return regExp.test(value)
}

// More literal characters = narrower pattern, so `gpt-4o-mini*` beats `gpt-4o*` beats `*`.
function specificity(o: PriceOverride): number {
  return o.model.replaceAll('*', '').length * 1000 + o.provider.replaceAll('*', '').length
}

function pick(candidates: readonly PriceOverride[]): PriceOverride | undefined {
  let best: PriceOverride | undefined
  for (const o of candidates) {
    if (!best) {
      best = o
      continue
    }
    const diff = specificity(o) - specificity(best)
    const newer = Date.parse(o.effectiveFrom ?? '1970-01-01') > Date.parse(best.effectiveFrom ?? '1970-01-01')
    // Equal patterns: the newer price wins, and on a full tie the first listed wins.
    if (diff > 0 || (diff === 0 && newer)) best = o
  }
  return best
}

export function findOverride(
  overrides: readonly PriceOverride[] | undefined,
  provider: string,
  model: string,
  at: Date,
  orgId?: string,
): PriceOverride | undefined {
  if (!overrides || overrides.length === 0) return undefined
  const matching = overrides.filter(
    (o) => globMatches(o.provider, provider) && globMatches(o.model, model) && effectiveAt(o.effectiveFrom, at),
  )
  const forOrg = orgId === undefined ? undefined : pick(matching.filter((o) => o.orgId === orgId))
  return forOrg ?? pick(matching.filter((o) => o.orgId === undefined))
}
