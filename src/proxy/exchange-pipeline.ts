// The one request path for every route target: resolve, authenticate, pre-check, read, check models, admit the stages, forward.
import type { CredentialCache } from '../auth/credential-cache.ts'
import { newId } from '../auth/key-format.ts'
import type { CachedKey, KeyCache } from '../auth/key-cache.ts'
import type { Config, ResolvedProvider } from '../config.ts'
import type { OrgRow } from '../db/schema.ts'
import { errorResponse } from '../errors/error-shapes.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Logger } from '../log.ts'
import type { BatchInputGroup } from '../types/jobs.ts'
import type { ErrorShape } from '../providers/spec.ts'
import type { Dialect } from '../providers/dialect.ts'
import { openaiErrors } from '../providers/dialects/openai/errors.ts'
import { findClientKey, keyRefusal } from './client-key.ts'
import { upstreamRequestHeaders } from './forward-headers.ts'
import { forward, type ExchangeObserver } from './forward.ts'
import { locateModel, type RequestFacts } from './locate-model.ts'
import { declaresBody, readBody } from './read-body.ts'
import { buildUpstreamUrl, parseRequestTarget, type RequestTarget } from './request-target.ts'
import { notAProviderRoute } from './routes/not-a-route.ts'
import type { RouteResolver, RouteTarget } from './routes/route-target.ts'
import { admitAll, orderedStages, type AdmittedRequest, type RefusedRequest, type StageSet } from './stages.ts'

export interface PipelineDeps {
  /** Asked in order for each request; the first that takes it gives its route entry. None: "not a provider route". */
  readonly routes: readonly RouteResolver[]
  readonly providers: ReadonlyMap<string, ResolvedProvider>
  readonly keys: Pick<KeyCache, 'check' | 'markUsed'>
  readonly credentials: Pick<CredentialCache, 'get'>
  readonly config: Pick<Config, 'maxBodyBytes' | 'upstreamHeadersTimeoutMs' | 'upstreamIdleTimeoutMs'>
  readonly log: Logger
  readonly now?: () => number
  /** Run in the declared order (`STAGE_ORDER`); a missing slot is a stage that is off. */
  readonly stages?: Partial<StageSet>
  /** Lifts Bun's idle timeout for this request (streams may be quiet for minutes). */
  readonly keepAlive?: (request: Request) => void
  /** Told about every request the gateway itself refused or failed, by error code (and the id its answer carries). */
  readonly onGatewayError?: (code: GatewayError['code'], requestId: string) => void
  /** Aborted when the gateway stops: the exchanges it then cuts end as `shutdown`. */
  readonly shutdownSignal?: AbortSignal
  /** A batch input file's record made at its upload (its models and bounds), when the org owns it and it was checked. */
  readonly batchInputs?: (provider: string, fileId: string, orgId: string) => Promise<readonly BatchInputGroup[] | undefined>
}

/** An admitted request: its facts, and the one way a stage changes the bytes that go upstream. */
class Admission implements AdmittedRequest {
  private bytes: Uint8Array | undefined
  readonly provider: ResolvedProvider
  readonly path: string
  readonly query: string
  readonly dialect: Dialect

  constructor(
    readonly requestId: string,
    readonly startedAt: number,
    readonly arrivedAt: number,
    target: RouteTarget,
    readonly key: CachedKey,
    readonly org: OrgRow,
    readonly method: string,
    readonly facts: RequestFacts,
    readonly headers: Headers,
    body: Uint8Array | undefined,
  ) {
    this.provider = target.provider
    this.path = target.path
    this.query = target.query
    this.dialect = target.dialect
    this.bytes = body
  }

  get body(): Uint8Array | undefined {
    return this.bytes
  }

  replaceBody(bytes: Uint8Array): void {
    this.bytes = bytes
  }
}

export function createExchangePipeline(deps: PipelineDeps) {
  const now = deps.now ?? Date.now
  const stages = orderedStages(deps.stages ?? {})

  const credentialFor = (provider: ResolvedProvider): string => {
    const credential = deps.credentials.get(provider)
    if (!credential) throw new GatewayError('no_credential', `No credential is configured for provider "${provider.spec.id}".`)
    return credential
  }

  /** `url`: the request's target when the caller parsed it already (the key answers in front look at every request's). */
  return async function handleExchange(request: Request, url: RequestTarget | undefined = parseRequestTarget(request.url)): Promise<Response> {
    const arrivedAt = performance.now()
    const startedAt = now()
    const requestId = newId('req')
    let bodyRead = false
    /** Every answer the gateway makes itself is counted, and rendered in the route's shape. */
    const refuse = (shape: ErrorShape, error: GatewayError): Response => {
      deps.onGatewayError?.(error.code, requestId)
      const response = errorResponse(shape, error, requestId)
      // Bun would otherwise read (and discard) the rest of an unread body to keep the connection: closing stops it.
      if (!bodyRead && declaresBody(request.headers)) response.headers.set('connection', 'close')
      return response
    }
    let entry
    if (url) for (const resolver of deps.routes) if ((entry = resolver.enter(url, request))) break
    if (!url || !entry) return refuse(openaiErrors, new GatewayError('unknown_provider', notAProviderRoute(url?.provider ?? '', deps.providers)))
    if (entry.refusal !== undefined) return refuse(entry.errorShape, entry.refusal)
    // Known from the URL (native routes) or, for a route that depends on the body, once it has been read.
    let target: RouteTarget | undefined = entry.target
    // What a refusal row needs: set as the request gets that far. Once forwarded, the exchange's own row tells.
    let known: { key: CachedKey; org: OrgRow } | undefined
    let model: string | null = null
    let forwarded = false
    try {
      const secret = findClientKey(request.headers, entry.clientQuery, entry.clientKey)
      if (!secret) throw new GatewayError('missing_key', 'Missing API key: send your gateway key (gw_live_…) the way this provider expects it.')
      const check = deps.keys.check(secret, startedAt)
      if (!check.ok) throw keyRefusal(check.reason)
      known = { key: check.key, org: check.org }
      // Everything that can refuse without the body does so before a byte of it is read (and before the first await).
      for (const stage of stages) stage.precheck?.(check.key, check.org)
      let credential = target ? credentialFor(target.provider) : undefined

      const method = request.method.toUpperCase()
      let body = await readBody(request, deps.config.maxBodyBytes)
      bodyRead = true
      // Step two of a route that depends on the body: its provider is known only now, and so is its credential.
      const route = entry.target !== undefined ? entry.target : (target = entry.afterBody(body, request, (named) => (model = named)))
      credential ??= credentialFor(route.provider)
      if (body && route.editBody) body = route.editBody(body)
      const provider = route.provider
      const spec = provider.spec
      const path = route.path
      const allowlisted = route.allowlistProvider
      const everyModelAllowed = check.key.allows.anyModelOn(allowlisted)
      let facts = locateModel(spec, method, path, request.headers.get('content-type') ?? '', body, { everyModelAllowed, ...(route.json ? { json: route.json } : {}) })
      model = facts.model ?? null
      for (const named of facts.models) {
        if (!check.key.allows(allowlisted, named)) {
          model = named
          const hint = route.modelHint?.(named, check.key.allows)
          throw new GatewayError('model_not_allowed', `This gateway key may not use model "${named}" on ${allowlisted}${hint ? `: ${hint}` : '.'}`)
        }
      }
      // A batch of a file checked at upload runs the models recorded then: those are checked, and reserved for.
      const recorded = facts.batchInputFile !== undefined ? await deps.batchInputs?.(spec.id, facts.batchInputFile, check.org.id) : undefined
      if (recorded) {
        for (const group of recorded) {
          if (!check.key.allows(allowlisted, group.model)) {
            model = group.model
            throw new GatewayError('model_not_allowed', `This gateway key may not use model "${group.model}" on ${allowlisted}: the batch input file names it.`)
          }
        }
        const { unknowable: _unknowable, ...checked } = facts
        facts = { ...checked, batchInputRecorded: recorded }
      }
      if (facts.unknowable !== undefined && !everyModelAllowed) {
        throw new GatewayError(
          'model_not_allowed',
          `This gateway key may use only some ${allowlisted} models, and the gateway cannot tell which model ${facts.unknowable}; use a key allowed every ${allowlisted} model.`,
        )
      }

      const admitted = new Admission(requestId, startedAt, arrivedAt, route, check.key, check.org, method, facts, request.headers, body)
      const admission = admitAll(stages, admitted)
      const results = admission instanceof Promise ? await admission : admission
      deps.keys.markUsed(check.key.row.id, startedAt)
      const answer = results.at(-1)?.respond
      if (answer) {
        answer.headers.set('x-sociaro-request-id', requestId)
        return answer
      }
      const observers = results.flatMap((r) => (r.observer ? [r.observer] : []))
      deps.keepAlive?.(request)

      const upstreamHeaders = upstreamRequestHeaders(request.headers, spec, credential, route.upstreamAuth)
      for (const result of results) for (const [name, value] of Object.entries(result.upstreamHeaders ?? {})) upstreamHeaders.set(name, value)
      forwarded = true
      let response = await forward({
        url: buildUpstreamUrl(provider.baseUrl, path, route.query),
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
        ...withReachedEnd(route.dialect.streamEnd),
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
      const providerId = target?.provider.spec.id ?? null
      let refusal: GatewayError
      if (error instanceof GatewayError) {
        if (error.code === 'no_credential') deps.log.warn(`no credential configured for provider ${providerId}`, { requestId, provider: providerId, code: error.code })
        else if (error.status >= 500) deps.log.warn('upstream failure', { requestId, provider: providerId, code: error.code, cause: describeCause(error.cause) })
        refusal = error
      } else {
        deps.log.error('proxy failure', { requestId, provider: providerId, error: describeCause(error) })
        refusal = new GatewayError('upstream_unreachable', 'The gateway failed to forward the request.')
      }
      // A refusal row names a provider: before the target is known, the one the route records such refusals under.
      const recordedAs = target ? { provider: target.provider.spec.id, path: target.path } : entry.refusedAs
      if (known && !forwarded && recordedAs) {
        const refused: RefusedRequest = {
          requestId, startedAt, provider: recordedAs.provider, ...known, method: request.method.toUpperCase(), path: recordedAs.path, model, headers: request.headers, error: refusal,
        }
        for (const stage of stages) stage.refused?.(refused)
      }
      return refuse(target?.errorShape ?? entry.errorShape, refusal)
    }
  }
}

function withReachedEnd(check: Dialect['streamEnd']) {
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
