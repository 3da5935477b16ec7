// CORS for browser apps on the provider routes (SOCIARO_CORS_ORIGINS): preflights answered without a key, gateway headers on answers.
import type { ResolvedProvider } from '../config.ts'
import { parseRequestTarget } from './request-target.ts'
import { UNIFIED_SEGMENT } from './routes/unified-route.ts'

const ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE'
/** Browsers cap it anyway (Chromium at 2 h). */
const MAX_AGE_S = '7200'
/** Headers an SDK or a browser app sends to a provider through the gateway; others asked for in a preflight are not allowed. */
const ALLOWED_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'content-type',
  'accept',
  'anthropic-version',
  'anthropic-beta',
  'anthropic-dangerous-direct-browser-access',
  'idempotency-key',
  'x-request-id',
  'x-sociaro-user',
  'x-sociaro-tags',
])
const ALLOWED_PREFIXES = ['openai-', 'x-stainless-', 'x-goog-', 'x-dashscope-', 'x-ark-', 'anthropic-']
/** Bounds on what a preflight may ask for: hostile input, echoed back. */
const MAX_REQUESTED_HEADERS = 64
const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]{1,100}$/

export interface CorsPolicy {
  /** Exact origins, or ['*']. */
  readonly origins: readonly string[]
}

/** The Access-Control-Allow-Origin value for a request's Origin: the origin itself, `*`, or undefined (not allowed). */
export function allowedOrigin(policy: CorsPolicy, origin: string | null): string | undefined {
  if (!origin) return undefined
  if (policy.origins[0] === '*') return '*'
  return policy.origins.includes(origin) ? origin : undefined
}

/** The requested headers the gateway allows, lower-cased, in the order asked. */
export function allowedRequestHeaders(requested: string | null): string[] {
  if (!requested) return []
  const names: string[] = []
  for (const raw of requested.split(',', MAX_REQUESTED_HEADERS)) {
    const name = raw.trim().toLowerCase()
    if (!TOKEN.test(name)) continue
    if (ALLOWED_HEADERS.has(name) || ALLOWED_PREFIXES.some((prefix) => name.startsWith(prefix))) names.push(name)
  }
  return names
}

function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && request.headers.has('origin') && request.headers.has('access-control-request-method')
}

function appendVary(headers: Headers): void {
  const vary = headers.get('vary')
  if (!vary) headers.set('vary', 'Origin')
  else if (!/(^|,)\s*origin\s*(,|$)/i.test(vary)) headers.set('vary', `${vary}, Origin`)
}

function preflight(policy: CorsPolicy, request: Request): Response {
  const headers = new Headers({ vary: 'Origin' })
  const origin = allowedOrigin(policy, request.headers.get('origin'))
  // Not an allowed origin: no CORS headers, so the browser refuses the call; nothing reaches the upstream.
  if (!origin) return new Response(null, { status: 403, headers })
  headers.set('access-control-allow-origin', origin)
  headers.set('access-control-allow-methods', ALLOW_METHODS)
  const allowed = allowedRequestHeaders(request.headers.get('access-control-request-headers'))
  if (allowed.length > 0) headers.set('access-control-allow-headers', allowed.join(', '))
  headers.set('access-control-max-age', MAX_AGE_S)
  return new Response(null, { status: 204, headers })
}

/**
 * Sets the gateway's CORS headers on an answer, in place of any `access-control-*` header the upstream sent (its
 * policy is for its own origin, not the gateway's). Every header of the answer is exposed to the page, as it is to
 * any other client of the gateway. Only header fields change: the body passes untouched.
 */
function decorate(policy: CorsPolicy, request: Request, response: Response): Response {
  const headers = response.headers
  const names = [...headers.keys()]
  for (const name of names) if (name.startsWith('access-control-')) headers.delete(name)
  appendVary(headers)
  const origin = allowedOrigin(policy, request.headers.get('origin'))
  if (!origin) return response
  headers.set('access-control-allow-origin', origin)
  const exposed = names.filter((name) => !name.startsWith('access-control-') && name !== 'set-cookie' && name !== 'vary')
  if (exposed.length > 0) headers.set('access-control-expose-headers', exposed.join(', '))
  return response
}

type Handler = (request: Request) => Promise<Response>

/**
 * Wraps the provider routes' handler (never the admin API, health or metrics). A preflight for a configured provider
 * is answered here, before any key is asked for; everything else goes to the handler and gets CORS headers back.
 */
export function withCors(handler: Handler, policy: CorsPolicy, providers: ReadonlyMap<string, ResolvedProvider>): Handler {
  return async (request) => {
    if (isPreflight(request)) {
      const target = parseRequestTarget(request.url)
      // The unified endpoint (/v1/…) is a provider route too: a browser SDK calls it the same way.
      if (target && (providers.has(target.provider) || target.provider === UNIFIED_SEGMENT)) return preflight(policy, request)
    }
    return decorate(policy, request, await handler(request))
  }
}
