// The answer for a path no route resolver takes: it says what it is, and what would work instead.
import type { ResolvedProvider } from '../../config.ts'

/** The configured providers, each once (by id, not alias). */
function configuredIds(providers: ReadonlyMap<string, ResolvedProvider>): string {
  return [...new Set([...providers.values()].map((p) => p.spec.id))].join(', ') || 'none'
}

const SHAPE = 'Provider routes look like /{provider}/{upstream path}, e.g. /openai/v1/chat/completions.'

/** Why a path whose first segment names no route is refused, with the configured providers. */
export function notAProviderRoute(name: string, providers: ReadonlyMap<string, ResolvedProvider>): string {
  return `Unknown provider "${name.slice(0, 64)}": not a provider route. ${SHAPE} Configured providers: ${configuredIds(providers)}.`
}

/** Every endpoint of the unified API, as the refusal of any other /v1/… path lists them. */
export const UNIFIED_ENDPOINTS = [
  'POST /v1/chat/completions',
  'POST /v1/embeddings',
  'POST /v1/responses',
  'GET /v1/models',
  'GET /v1/models/{provider}/{model}',
  'GET /v1/me',
  'GET /v1/me/usage',
  'GET /v1/jobs',
  'GET /v1/jobs/{id}',
] as const

/** Why a /v1/… request that is none of the unified endpoints is refused. */
export function notAUnifiedEndpoint(method: string, path: string, providers: ReadonlyMap<string, ResolvedProvider>): string {
  return `No unified endpoint ${method.slice(0, 16)} /v1${path.slice(0, 128)}. The unified endpoints are ${UNIFIED_ENDPOINTS.join(', ')}, with models named "provider/model". ${SHAPE} Configured providers: ${configuredIds(providers)}.`
}
