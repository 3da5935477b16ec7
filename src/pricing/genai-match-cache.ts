// Remembers which genai-prices model each (provider, model) pair matched, so pricing skips the package's scan of
// every model's match clauses (it lowercases names and rebuilds regexes per clause on every call).
import { calcPrice, type ModelInfo, type PriceCalculation, type Provider, type Usage } from '@pydantic/genai-prices'

/** Model names come from responses: the memory is bounded, oldest pair out first. */
const MAX_PAIRS = 10_000

/** A copy of the provider holding only the matched model; null when the package knows no such model. */
const matched = new Map<string, Provider | null>()

/**
 * calcPrice, with the match remembered. The one-model provider prices exactly as the full one: the same model
 * matches the same name (date-normalised or not), and the provider's own fields (id, fallbacks) are kept.
 */
export function calcPriceRemembering(usage: Usage, model: string, providerId: string, timestamp: Date): PriceCalculation | null {
  const key = `${providerId}\u0000${model}`
  const known = matched.get(key)
  if (known === null) return null
  if (known !== undefined) return calcPrice(usage, model, { provider: known, timestamp })
  const calc = calcPrice(usage, model, { providerId, timestamp })
  if (matched.size >= MAX_PAIRS) matched.delete(matched.keys().next().value!)
  matched.set(key, calc ? { ...calc.provider, models: [calc.model] } : null)
  return calc
}

/** The genai-prices model a name matches (for its context window), through the same memory; null when unknown. */
export function matchedGenaiModel(model: string, providerId: string, timestamp: Date): ModelInfo | null {
  const known = matched.get(`${providerId}\u0000${model}`)
  if (known !== undefined) return known?.models[0] ?? null
  return calcPriceRemembering({ input_tokens: 0, output_tokens: 0 }, model, providerId, timestamp)?.model ?? null
}
