// What pricing reads of a provider: its genai-prices id and whether it bills at all, from its spec or else the built-in one of that id.
import { builtInProvider } from '../providers/registry.ts'
import type { ProviderSpec } from '../providers/spec.ts'

export type ProviderPricing = Pick<ProviderSpec, 'pricingId' | 'unbilled'>

/** The caller's spec when it has one (custom providers, extra modules), else the built-in provider's. */
export function pricingOf(provider: string, pricing?: ProviderPricing): ProviderPricing | undefined {
  return pricing ?? builtInProvider(provider)
}
