// Model allowlist patterns ("openai/gpt-4o*", "anthropic/*", "*", "gpt-4o*") compiled to one matcher.
import { globToRegExp } from '../glob.ts'

export interface ModelMatcher {
  (provider: string, model: string): boolean
  /** True when every model of `provider` is allowed (`*`, `openai/*`): only then may a request run a model the gateway cannot see. */
  anyModelOn(provider: string): boolean
}

/** A model glob of nothing but `*` matches every name. */
const MATCHES_ANY_MODEL = /^\*+$/

/**
 * A pattern without "/" names a model on any provider; with one, `provider/model`. Requests are checked against the
 * provider's id, so a pattern naming an alias (`google/*`) is read as its id (`gemini/*`) through `canonical`.
 */
export function compileAllowlist(patterns: readonly string[], canonical: (name: string) => string | undefined = () => undefined): ModelMatcher {
  if (patterns.includes('*') || patterns.includes('*/*')) return Object.assign(() => true, { anyModelOn: () => true })
  const compiled = patterns.map((pattern) => {
    const slash = pattern.indexOf('/')
    if (slash < 0) return { provider: null, model: globToRegExp(pattern, 's'), anyModel: MATCHES_ANY_MODEL.test(pattern) }
    const model = pattern.slice(slash + 1)
    const named = pattern.slice(0, slash)
    const provider = named.includes('*') ? named : (canonical(named) ?? named)
    return { provider: globToRegExp(provider, 's'), model: globToRegExp(model, 's'), anyModel: MATCHES_ANY_MODEL.test(model) }
  })
  const matcher = (provider: string, model: string) => compiled.some((p) => (p.provider === null || p.provider.test(provider)) && p.model.test(model))
  const anyModelOn = (provider: string) => compiled.some((p) => p.anyModel && (p.provider === null || p.provider.test(provider)))
  return Object.assign(matcher, { anyModelOn })
}

/** Rejects patterns that cannot mean anything, and names the culprit. */
export function validatePatterns(patterns: readonly string[], knownProviders: ReadonlySet<string>): string | undefined {
  if (patterns.length === 0) return 'the model allowlist is empty; use "*" to allow every model'
  for (const pattern of patterns) {
    if (pattern.trim() !== pattern || pattern === '' || pattern.length > 200) return `invalid model pattern "${pattern}"`
    const slash = pattern.indexOf('/')
    if (slash >= 0) {
      const provider = pattern.slice(0, slash)
      if (!provider.includes('*') && !knownProviders.has(provider)) return `model pattern "${pattern}" names an unknown provider "${provider}"`
    }
  }
  return undefined
}
