// The unified route: POST /v1/{chat/completions,embeddings,responses} with `provider/model`, to that provider's own OpenAI-compatible endpoint.
import type { ResolvedProvider } from '../../config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { openaiErrors } from '../../providers/dialects/openai/errors.ts'
import { dialectFor } from '../../providers/provider-wire.ts'
import type { OpenAIEndpoint } from '../../providers/spec.ts'
import { cutThroughFirstSlash, findTopLevelString, type MemberProblem } from '../../wire/model-token.ts'
import { checkedModelName } from '../model-name.ts'
import { overBudget } from '../over-budget.ts'
import { withoutQueryKey, type RequestTarget } from '../request-target.ts'
import { notAUnifiedEndpoint } from './not-a-route.ts'
import type { RouteEntry, RouteResolver, RouteTarget } from './route-target.ts'

/** The first path segment of the unified API (reserved: no provider may be named so, see registry.ts). */
export const UNIFIED_SEGMENT = 'v1'

const ENDPOINT_BY_PATH: Readonly<Record<string, OpenAIEndpoint>> = {
  '/chat/completions': 'chatCompletions',
  '/embeddings': 'embeddings',
  '/responses': 'responses',
}

const ENDPOINT_PATH: Readonly<Record<OpenAIEndpoint, string>> = { chatCompletions: '/v1/chat/completions', embeddings: '/v1/embeddings', responses: '/v1/responses' }

const EXAMPLE = '"openai/gpt-4o-mini"'

/** A route target without the per-request query, made once per provider and endpoint. */
type FixedTarget = Omit<RouteTarget, 'query' | 'editBody' | 'json'>

const UNREADABLE: Readonly<Record<Exclude<MemberProblem, 'absent' | 'not_string' | 'over_budget'>, string>> = {
  not_json: 'The request body must be one valid JSON object.',
  not_object: 'The request body must be a JSON object.',
  duplicate: 'The request body names "model" more than once at its top level; send it once.',
}

/**
 * Takes every /v1/… request. The three inference endpoints resolve in two steps: the gateway key and the prechecks
 * first, then the bounded body read, then the provider named by the body's top-level `model` (split on its first
 * `/`, the prefix a configured provider id or alias). The body goes to that provider's OpenAI-compatible path with
 * the prefix cut out of the `model` value and every other byte as the client sent it. Errors are OpenAI's shape.
 * Any other /v1/… request the gateway does not answer itself (src/unified/) is refused as not an endpoint.
 */
export function unifiedRoute(providers: ReadonlyMap<string, ResolvedProvider>): RouteResolver {
  const fixed = new Map<string, FixedTarget>()
  const offering: Record<OpenAIEndpoint, string[]> = { chatCompletions: [], embeddings: [], responses: [] }
  for (const provider of new Set(providers.values())) {
    const endpoints = provider.spec.openAICompatible
    if (!endpoints) continue
    for (const endpoint of Object.keys(ENDPOINT_PATH) as OpenAIEndpoint[]) {
      const path = endpoints[endpoint]
      if (path === undefined) continue
      offering[endpoint].push(provider.spec.id)
      fixed.set(`${provider.spec.id} ${endpoint}`, {
        provider,
        path,
        errorShape: openaiErrors,
        dialect: dialectFor(provider.spec, path),
        allowlistProvider: provider.spec.id,
        ...(endpoints.upstreamAuth ? { upstreamAuth: endpoints.upstreamAuth } : {}),
      })
    }
  }
  const validForm = (endpoint: OpenAIEndpoint) =>
    `The model must be "provider/model" (for example ${EXAMPLE}), with a provider that serves ${ENDPOINT_PATH[endpoint]}: ${offering[endpoint].join(', ') || 'none is configured'}.`

  const resolve = (endpoint: OpenAIEndpoint, body: Uint8Array | undefined, query: string, noteModel: (model: string) => void): RouteTarget => {
    const scan = body && body.byteLength > 0 ? findTopLevelString(body, 'model') : ({ ok: false, problem: 'not_object' } as const)
    if (!scan.ok) {
      if (scan.problem === 'absent') throw new GatewayError('invalid_model', `The request names no "model". ${validForm(endpoint)}`)
      if (scan.problem === 'not_string') throw new GatewayError('invalid_model', `"model" must be a string. ${validForm(endpoint)}`)
      if (scan.problem === 'over_budget') throw overBudget()
      throw new GatewayError('model_unreadable', UNREADABLE[scan.problem])
    }
    const named = scan.value
    // A refusal below is recorded with the name as the client wrote it, when it is one the gateway would store.
    try {
      noteModel(checkedModelName(named, 'the "model" field'))
    } catch {
      // Too long, empty or with control characters: the row names no model.
    }
    const slash = named.indexOf('/')
    const provider = slash > 0 ? providers.get(named.slice(0, slash)) : undefined
    const quoted = JSON.stringify(named.slice(0, 128))
    if (!provider || slash === named.length - 1) {
      const why = slash <= 0 ? 'names no provider' : provider ? 'names no model after the provider' : `names no configured provider ("${named.slice(0, Math.min(slash, 64))}")`
      throw new GatewayError('invalid_model', `The model ${quoted} ${why}. ${validForm(endpoint)}`)
    }
    const target = fixed.get(`${provider.spec.id} ${endpoint}`)
    if (!target) {
      throw new GatewayError('invalid_model', `The provider "${provider.spec.id}" has no OpenAI-compatible endpoint for ${ENDPOINT_PATH[endpoint]}. ${validForm(endpoint)}`)
    }
    // The value holds a "/" (found above), so the cut exists: the prefix and its slash leave, nothing else changes.
    const edited = cutThroughFirstSlash(body!, scan)!
    // The parse of the client's body is the edited body's too, once its model says what the cut left.
    const json = scan.json
    json.model = named.slice(slash + 1)
    return {
      ...target,
      query: provider.spec.clientKey.includes('query-key') ? withoutQueryKey(query) : query,
      editBody: () => edited,
      json,
    }
  }

  return {
    enter(url: RequestTarget, request: Request): RouteEntry | undefined {
      if (url.provider !== UNIFIED_SEGMENT) return undefined
      const endpoint = ENDPOINT_BY_PATH[url.path]
      if (endpoint === undefined || request.method !== 'POST') {
        return { errorShape: openaiErrors, refusal: new GatewayError('not_found', notAUnifiedEndpoint(request.method, url.path, providers)) }
      }
      return {
        errorShape: openaiErrors,
        clientKey: ['bearer'],
        clientQuery: url.query,
        // No provider is known before the body is read: such refusals are rows of the unified endpoint itself.
        refusedAs: { provider: UNIFIED_SEGMENT, path: ENDPOINT_PATH[endpoint] },
        afterBody: (body, _request, noteModel) => resolve(endpoint, body, url.query, noteModel),
      }
    },
  }
}
