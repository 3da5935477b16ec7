// Remembers which genai-prices model each (provider, model) pair matched, so pricing skips the package's scan of
// every model's match clauses (it lowercases names and rebuilds regexes per clause on every call), and prices the
// match through its compiled plan (genai-fast-price.ts) instead of the package's per-call unit checks.
import { calcPrice, type ModelInfo, type PriceCalculation, type Provider, type Usage } from '@pydantic/genai-prices'
import { compileModel, fastCalc, type FastModel } from './genai-fast-price.ts'

/** Model names come from responses: the memory is bounded, oldest pair out first. */
const MAX_PAIRS = 10_000

interface Match {
  /** A copy of the provider holding only the matched model. */
  readonly provider: Provider
  /** Its compiled form: undefined until the pair is priced a second time, null when only the package can price it. */
  fast?: FastModel | null
}

/** null when the package knows no such model. */
const matched = new Map<string, Match | null>()

/**
 * Compiled models by the provider and the model the package matched, not by the name asked: however many names a
 * response invents, the compiling (a few dozen package calls) happens at most once per model the package knows.
 */
const compiled = new Map<string, FastModel | null>()

function compiledFor(match: Match, name: string): FastModel | null {
  const key = `${match.provider.id}\u0000${match.provider.models[0]!.id}`
  let fast = compiled.get(key)
  if (fast === undefined) {
    fast = compileModel(match.provider, name)
    compiled.set(key, fast)
  }
  return fast
}

/**
 * calcPrice, with the match remembered. The one-model provider prices exactly as the full one: the same model
 * matches the same name (date-normalised or not), and the provider's own fields (id, fallbacks) are kept. From the
 * second call on, the compiled plan answers with the package's own arithmetic; what it cannot answer (usage the
 * package rejects or warns about) goes to the package as before.
 */
export function calcPriceRemembering(usage: Usage, model: string, providerId: string, timestamp: Date): PriceCalculation | null {
  const key = `${providerId}\u0000${model}`
  const known = matched.get(key)
  if (known === null) return null
  if (known !== undefined) {
    if (known.fast === undefined) known.fast = compiledFor(known, model)
    const fast = known.fast && fastCalc(known.fast, model, usage, timestamp)
    return fast || calcPrice(usage, model, { provider: known.provider, timestamp })
  }
  const calc = calcPrice(usage, model, { providerId, timestamp })
  if (matched.size >= MAX_PAIRS) matched.delete(matched.keys().next().value!)
  matched.set(key, calc ? { provider: { ...calc.provider, models: [calc.model] } } : null)
  return calc
}

/** The genai-prices model a name matches (for its context window), through the same memory; null when unknown. */
export function matchedGenaiModel(model: string, providerId: string, timestamp: Date): ModelInfo | null {
  const known = matched.get(`${providerId}\u0000${model}`)
  if (known !== undefined) return known?.provider.models[0] ?? null
  return calcPriceRemembering({ input_tokens: 0, output_tokens: 0 }, model, providerId, timestamp)?.model ?? null
}
