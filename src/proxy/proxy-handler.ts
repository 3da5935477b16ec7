// The pass-through pipeline for ANY /{provider}/{rest}: authenticate, check the model, swap the credential, forward.
import type { CredentialCache } from '../auth/credential-cache.ts'
import { newId } from '../auth/key-format.ts'
import type { KeyCache } from '../auth/key-cache.ts'
import type { Config, ResolvedProvider } from '../config.ts'
import { errorResponse } from '../errors/error-shapes.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Logger } from '../log.ts'
import { openaiErrors } from '../providers/dialects/openai/errors.ts'
import { errorFormatFor, streamEndCheck } from '../providers/provider-wire.ts'
import type { ErrorShape, ProviderSpec } from '../providers/spec.ts'
import { findClientKey } from './client-key.ts'
import { upstreamRequestHeaders } from './forward-headers.ts'
import { forward, type ExchangeObserver } from './forward.ts'
import { modelNameHint } from './model-name-hint.ts'
import { locateModel, type RequestFacts } from './locate-model.ts'
import { declaresBody, readBody } from './read-body.ts'
import { buildUpstreamUrl, canonicalUpstreamPath, parseRequestTarget, withoutQueryKey } from './request-target.ts'
import type { CachedKey } from '../auth/key-cache.ts'
import type { OrgRow } from '../db/schema.ts'

/** Everything later stages (limits, metering) learn about an admitted request. */
export interface AdmittedRequest {
  readonly requestId: string
  readonly startedAt: number
  /** performance.now() at arrival: the monotonic start for overhead measurements. */
  readonly arrivedAt: number
  readonly provider: ResolvedProvider
  readonly key: CachedKey
  readonly org: OrgRow
  readonly method: string
  readonly path: string
  /** The query string as sent ("" or "?…"), the gateway key already removed. */
  readonly query: string
  readonly facts: RequestFacts
  readonly headers: Headers
  /** The bytes that will go upstream (unchanged unless a stage says otherwise). */
  body: Uint8Array | undefined
}

/** What a stage adds to an admitted request. */
export interface StageResult {
  /** Sees the upstream bytes and the outcome. */
  observer?: ExchangeObserver
  /** Headers added to the client response. */
  headers?: Record<string, string>
  /** Headers set on the upstream request. */
  upstreamHeaders?: Record<string, string>
  /** Rewrites the client-facing response (only for edits an operator opted into). */
  transformResponse?: (response: Response) => Response
  /** Undoes what the stage reserved when a later stage rejects the request. */
  rollback?: () => void
  /** The gateway answers itself (a listing from its own ledger): no later stage runs, nothing goes upstream. */
  respond?: Response
}

/** A request the gateway answered itself, with an error, after its key was known (never its body). */
export interface RefusedRequest {
  readonly requestId: string
  readonly startedAt: number
  readonly provider: ResolvedProvider
  readonly key: CachedKey
  readonly org: OrgRow
  readonly method: string
  readonly path: string
  /** The model the request named, when the refusal came after the body was read. */
  readonly model: string | null
  readonly headers: Headers
  readonly error: GatewayError
}

/** A stage between admission and forwarding: may reject (throw GatewayError), may observe the exchange. */
export interface ProxyStage {
  /** Told (on the request path: must only enqueue) of a known key's request refused before it went upstream. */
  refused?(request: RefusedRequest): void
  /** Runs before the body is read, so a request it refuses (throws GatewayError) is never buffered; consumes nothing. */
  precheck?(key: CachedKey, org: OrgRow): void
  /** Synchronous unless the stage must wait (a database read); a promise costs the other requests nothing. */
  admit(request: AdmittedRequest): StageResult | void | Promise<StageResult | void>
}

export interface ProxyDeps {
  readonly providers: ReadonlyMap<string, ResolvedProvider>
  readonly keys: KeyCache
  readonly credentials: CredentialCache
  readonly config: Pick<Config, 'maxBodyBytes' | 'upstreamHeadersTimeoutMs' | 'upstreamIdleTimeoutMs'>
  readonly log: Logger
  readonly now?: () => number
  readonly stages?: readonly ProxyStage[]
  /** Lifts Bun's idle timeout for this request (streams may be quiet for minutes). */
  readonly keepAlive?: (request: Request) => void
  /** Told about every request the gateway itself refused or failed, by error code (and the id its answer carries). */
  readonly onGatewayError?: (code: GatewayError['code'], requestId: string) => void
  /** Aborted when the gateway stops: the exchanges it then cuts end as `shutdown`. */
  readonly shutdownSignal?: AbortSignal
}

export function errorShapeFor(spec: ProviderSpec, path: string): ErrorShape {
  return errorFormatFor(spec, path)
}

/** Why a path whose first segment names no provider is refused, with what would work instead. */
export function notAProviderRoute(name: string, providers: ReadonlyMap<string, ResolvedProvider>): string {
  const configured = [...new Set([...providers.values()].map((p) => p.spec.id))].join(', ') || 'none'
  const shape = `Provider routes look like /{provider}/{upstream path}, e.g. /openai/v1/chat/completions. Configured providers: ${configured}.`
  // "/v1/…" is where a unified, provider-neutral endpoint would live; say plainly that it does not exist (yet).
  if (name === 'v1') return `The unified endpoint /v1/… is not available yet. ${shape}`
  return `Unknown provider "${name.slice(0, 64)}": not a provider route. ${shape}`
}

const KEY_ERRORS = { unknown: 'invalid_key', revoked: 'revoked_key', expired: 'expired_key' } as const
const KEY_MESSAGES = {
  unknown: 'Incorrect API key provided. Use a gateway key (gw_live_…) issued by this Sociaro gateway.',
  revoked: 'This gateway key has been revoked.',
  expired: 'This gateway key has expired.',
} as const

export function createProxyHandler(deps: ProxyDeps) {
  const now = deps.now ?? Date.now

  return async function handleProxy(request: Request): Promise<Response> {
    const arrivedAt = performance.now()
    const startedAt = now()
    const requestId = newId('req')
    const target = parseRequestTarget(request.url)
    const provider = target ? deps.providers.get(target.provider) : undefined
    let bodyRead = false
    /** Every answer the gateway makes itself is counted, and rendered in the provider's shape. */
    const refuse = (shape: ErrorShape, error: GatewayError): Response => {
      deps.onGatewayError?.(error.code, requestId)
      const response = errorResponse(shape, error, requestId)
      // Bun would otherwise read (and discard) the rest of an unread body to keep the connection: closing stops it.
      if (!bodyRead && declaresBody(request.headers)) response.headers.set('connection', 'close')
      return response
    }
    if (!target || !provider) return refuse(openaiErrors, new GatewayError('unknown_provider', notAProviderRoute(target?.provider ?? '', deps.providers)))
    const spec = provider.spec
    // One spelling for the model check, the later stages and the upstream URL, so what is checked is what is sent.
    const path = canonicalUpstreamPath(target.path)
    const shape = errorShapeFor(spec, path ?? target.path)
    // What a refusal row needs: set as the request gets that far. Once forwarded, the exchange's own row tells.
    let known: { key: CachedKey; org: OrgRow } | undefined
    let model: string | null = null
    let forwarded = false
    try {
      if (path === undefined) throw new GatewayError('invalid_path', 'The request path is not allowed.')
      const secret = findClientKey(request.headers, target.query, spec.clientKey)
      if (!secret) throw new GatewayError('missing_key', 'Missing API key: send your gateway key (gw_live_…) the way this provider expects it.')
      const check = deps.keys.check(secret, startedAt)
      if (!check.ok) throw new GatewayError(KEY_ERRORS[check.reason], KEY_MESSAGES[check.reason])
      known = { key: check.key, org: check.org }
      // Everything that can refuse without the body does so before a byte of it is read.
      for (const stage of deps.stages ?? []) stage.precheck?.(check.key, check.org)
      const credential = deps.credentials.get(provider)
      if (!credential) throw new GatewayError('no_credential', `No credential is configured for provider "${spec.id}".`)

      const method = request.method.toUpperCase()
      const body = await readBody(request, deps.config.maxBodyBytes)
      bodyRead = true
      const everyModelAllowed = check.key.allows.anyModelOn(spec.id)
      const facts = locateModel(spec, method, path, request.headers.get('content-type') ?? '', body, { everyModelAllowed })
      model = facts.model ?? null
      for (const named of facts.models) {
        if (!check.key.allows(spec.id, named)) {
          model = named
          const hint = modelNameHint(named, spec.id, deps.providers, check.key.allows)
          throw new GatewayError('model_not_allowed', `This gateway key may not use model "${named}" on ${spec.id}${hint ? `: ${hint}` : '.'}`)
        }
      }
      if (facts.unknowable !== undefined && !everyModelAllowed) {
        throw new GatewayError(
          'model_not_allowed',
          `This gateway key may use only some ${spec.id} models, and the gateway cannot tell which model ${facts.unknowable}; use a key allowed every ${spec.id} model.`,
        )
      }

      const query = spec.clientKey.includes('query-key') ? withoutQueryKey(target.query) : target.query
      const admitted: AdmittedRequest = {
        requestId, startedAt, arrivedAt, provider, key: check.key, org: check.org, method, path, query, facts, headers: request.headers, body,
      }
      const results = await admitAll(deps.stages ?? [], admitted)
      deps.keys.markUsed(check.key.row.id, startedAt)
      const answer = results.at(-1)?.respond
      if (answer) {
        answer.headers.set('x-sociaro-request-id', requestId)
        return answer
      }
      const observers = results.flatMap((r) => (r.observer ? [r.observer] : []))
      deps.keepAlive?.(request)

      const upstreamHeaders = upstreamRequestHeaders(request.headers, spec, credential)
      for (const result of results) for (const [name, value] of Object.entries(result.upstreamHeaders ?? {})) upstreamHeaders.set(name, value)
      forwarded = true
      let response = await forward({
        url: buildUpstreamUrl(provider.baseUrl, path, query),
        method,
        headers: upstreamHeaders,
        body: admitted.body,
        clientSignal: request.signal,
        headersTimeoutMs: deps.config.upstreamHeadersTimeoutMs,
        idleTimeoutMs: deps.config.upstreamIdleTimeoutMs,
        requestId,
        startedAt,
        now,
        ...(observers.length > 0 ? { observer: fanOut(observers) } : {}),
        ...(deps.shutdownSignal ? { shutdownSignal: deps.shutdownSignal } : {}),
        ...withReachedEnd(streamEndCheck(spec, path)),
        onStreamFailure: (endedBy, error) => {
          const fields = { requestId, provider: spec.id, endedBy, cause: describeCause(error) }
          if (endedBy === 'shutdown') deps.log.info('stream cut by shutdown', fields)
          else deps.log.warn('upstream stream failed after its headers were sent', fields)
        },
      })
      for (const result of results) {
        for (const [name, value] of Object.entries(result.headers ?? {})) response.headers.set(name, value)
        if (result.transformResponse) response = result.transformResponse(response)
      }
      return response
    } catch (error) {
      let refusal: GatewayError
      if (error instanceof GatewayError) {
        if (error.code === 'no_credential') deps.log.warn(`no credential configured for provider ${spec.id}`, { requestId, provider: spec.id, code: error.code })
        else if (error.status >= 500) deps.log.warn('upstream failure', { requestId, provider: spec.id, code: error.code, cause: describeCause(error.cause) })
        refusal = error
      } else {
        deps.log.error('proxy failure', { requestId, provider: spec.id, error: describeCause(error) })
        refusal = new GatewayError('upstream_unreachable', 'The gateway failed to forward the request.')
      }
      if (known && !forwarded && path !== undefined) {
        const refused: RefusedRequest = { requestId, startedAt, provider, ...known, method: request.method.toUpperCase(), path, model, headers: request.headers, error: refusal }
        for (const stage of deps.stages ?? []) stage.refused?.(refused)
      }
      return refuse(shape, refusal)
    }
  }
}

/**
 * All stages admit, or none: a rejection rolls back what earlier stages reserved. A stage that answers itself
 * ends admission there (the earlier stages are rolled back too: the exchange they prepared for never happens).
 */
async function admitAll(stages: readonly ProxyStage[], admitted: AdmittedRequest): Promise<StageResult[]> {
  const results: StageResult[] = []
  try {
    for (const stage of stages) {
      const admission = stage.admit(admitted)
      const result = (admission instanceof Promise ? await admission : admission) ?? {}
      if (result.respond) {
        for (const earlier of results) earlier.rollback?.()
        return [result]
      }
      results.push(result)
    }
  } catch (error) {
    for (const result of results) result.rollback?.()
    throw error
  }
  return results
}

function withReachedEnd(check: ReturnType<typeof streamEndCheck>) {
  return check ? { reachedEnd: check } : {}
}

/** One line's worth of an error: its code (Bun's ECONNRESET, …) and message, never a stack. */
function describeCause(error: unknown): string {
  if (error === undefined || error === null) return 'unknown'
  if (!(error instanceof Error)) return String(error).slice(0, 500)
  const code = (error as { code?: unknown }).code
  return (typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message).slice(0, 500)
}

function fanOut(observers: ExchangeObserver[]): ExchangeObserver {
  if (observers.length === 1) return observers[0]!
  return {
    onHeaders: (status, headers) => observers.forEach((o) => o.onHeaders?.(status, headers)),
    onChunk: (chunk) => observers.forEach((o) => o.onChunk?.(chunk)),
    onEnd: (outcome) => observers.forEach((o) => o.onEnd(outcome)),
  }
}
