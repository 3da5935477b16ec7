// The most output tokens a model can produce in one answer, as far as the price data tells: what a budget must reserve without max_tokens.
import { toGenaiProviderId } from './genai-prices.ts'
import type { ProviderPricing } from './provider-pricing.ts'
import { matchedGenaiModel } from './genai-match-cache.ts'
import { publishedOutputLimit } from './published-output-limits.ts'

/**
 * No model we know of emits more than this in one answer (the largest output windows are 128,000 tokens), so it
 * bounds a model whose limit the price data does not give. Raise it when a model with a larger window appears.
 */
export const MAX_OUTPUT_TOKENS = 131_072

/**
 * For a model the price data knows, the provider's published output limit when our table has one
 * (published-output-limits.ts). Otherwise: genai-prices carries each model's context window but not its output limit,
 * and output cannot outgrow the context window, so min(context window, MAX_OUTPUT_TOKENS) is an upper bound;
 * MAX_OUTPUT_TOKENS when the window is unknown.
 */
export function modelOutputLimitTokens(provider: string, model: string | undefined, at: Date, pricing?: ProviderPricing): number {
  if (!model) return MAX_OUTPUT_TOKENS
  const providerId = genaiId(provider, pricing)
  const known = providerId ? matchedGenaiModel(model, providerId, at) : undefined
  // A name the price data does not know (a future dated id) may be a new model with a larger window: no family limit.
  const published = known ? publishedOutputLimit(provider, model) : undefined
  if (published !== undefined) return published
  const window = known?.context_window
  return typeof window === 'number' && window > 0 ? Math.min(window, MAX_OUTPUT_TOKENS) : MAX_OUTPUT_TOKENS
}

/** Provider ids come from configuration (a handful): the package's provider scan runs once per id, not per request. */
const genaiIds = new Map<string, string | null>()

function genaiId(provider: string, pricing: ProviderPricing | undefined): string | undefined {
  let id = genaiIds.get(provider)
  if (id === undefined) {
    id = toGenaiProviderId(provider, pricing) ?? null
    genaiIds.set(provider, id)
  }
  return id ?? undefined
}
