// Pure: what a job's submit reserves against budgets: its provider's ceiling of what it can make, at the model's price.
import { priceUsage } from '../pricing/price-usage.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { ProviderSpec } from '../providers/spec.ts'
import type { JobSubmission } from '../types/jobs.ts'

/** The estimate in micro-USD, or undefined when the provider gives no bound or the model has no price (the caller reserves as for any request). */
export function jobReservationMicros(spec: ProviderSpec, submission: JobSubmission, orgId: string, at: Date, overrides: readonly PriceOverride[]): number | undefined {
  const usage = spec.jobs?.estimate?.(submission.params, submission.kind)
  if (!usage || !submission.model) return undefined
  const priced = priceUsage({ provider: spec.id, model: submission.model, usage, at, orgId, overrides, pricing: spec })
  return priced.status === 'priced' && priced.costMicros !== null ? priced.costMicros : undefined
}
