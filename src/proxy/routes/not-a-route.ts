// The answer for a path no route resolver takes: it says what it is, and what would work instead.
import type { ResolvedProvider } from '../../config.ts'

/** Why a path whose first segment names no route is refused, with the configured providers. */
export function notAProviderRoute(name: string, providers: ReadonlyMap<string, ResolvedProvider>): string {
  const configured = [...new Set([...providers.values()].map((p) => p.spec.id))].join(', ') || 'none'
  const shape = `Provider routes look like /{provider}/{upstream path}, e.g. /openai/v1/chat/completions. Configured providers: ${configured}.`
  // "/v1/…" is where a unified, provider-neutral endpoint would live; say plainly that it does not exist (yet).
  if (name === 'v1') return `The unified endpoint /v1/… is not available yet. ${shape}`
  return `Unknown provider "${name.slice(0, 64)}": not a provider route. ${shape}`
}
