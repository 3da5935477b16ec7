// Proxy stage that keeps each organization to its own provider objects: checks named ids, answers listings, records creations.
import type { ResolvedProvider } from '../config.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { jobExchangeOf, recordJobAnswer, type JobExchange } from '../jobs/job-answers.ts'
import { concatBytes } from '../concat-bytes.ts'
import { inflateSmallSync } from '../wire/inflate-small.ts'
import type { ExchangeObserver } from '../proxy/forward.ts'
import type { AdmittedRequest, ProxyStage, StageResult } from '../proxy/stages.ts'
import { encodeBatchInput } from './batch-input-record.ts'
import { referencedObjectIds } from './body-references.ts'
import { answeredObject, type AnsweredObject } from './created-object.ts'
import { pagingOf, renderList } from './list-shapes.ts'
import type { StoredOwner } from './ledger-store.ts'
import type { ObjectLedger } from './object-ledger.ts'
import { classifyObjectRequest, type CreatedIn, type ObjectRoute } from './object-routes.ts'
import { withinJsonBudget } from '../wire/json-budget.ts'

/** Object answers are small JSON; a stream names its id in its first events; an id-only answer opens with its id. */
const MAX_JSON_COPY = 1024 * 1024
const MAX_STREAM_COPY = 64 * 1024
const MAX_ID_HEAD_COPY = 4 * 1024

export interface ObjectsStageOptions {
  readonly ledger: ObjectLedger
  /** Organizations that exist (the key cache knows): unclassifiable endpoints are refused once there are two. */
  readonly orgCount: () => number
  /** Providers whose operator turned isolation off (single-tenant installs). */
  readonly isolationOff: ReadonlySet<string>
  /** Async jobs (src/jobs/): the credential reference a job is created with, and when the poller first looks at it. */
  readonly jobs?: {
    readonly credentialRef: (provider: ResolvedProvider) => string
    readonly firstPollDelayMs: number
    /** What the submit reserved against budgets (the limits stage), kept on the job's row so a restart holds it again. */
    readonly reservedMicros: (requestId: string) => number | null
  }
}

const owns = (owner: StoredOwner | undefined, orgId: string) => owner !== undefined && !owner.deleted && owner.orgId === orgId

/** The same answer for another org's object and for one that does not exist: nothing tells them apart. */
function notFound(id: string): GatewayError {
  return new GatewayError('object_not_found', `No such object: ${JSON.stringify(id.slice(0, 200))}.`)
}

/** Copies a 2xx answer (bounded) and, when it has ended, records what it created, deleted or now looks like. */
function ledgerObserver(
  ledger: ObjectLedger,
  request: AdmittedRequest,
  route: Extract<ObjectRoute, { type: 'create' | 'access' }>,
  options: ObjectsStageOptions,
  job: JobExchange | undefined,
): ExchangeObserver | undefined {
  const creates = route.creates
  const deletes = route.type === 'access' && route.deletes
  const refreshes = route.type === 'access' && route.refreshes
  if (!creates && !deletes && !refreshes) return undefined
  const provider = request.provider.spec.id
  let ok = false
  let eventStream = false
  let encoding = ''
  let parts: Uint8Array[] = []
  let copied = 0
  let cut = false
  return {
    onHeaders(status, headers) {
      ok = status >= 200 && status < 300
      eventStream = (headers.get('content-type') ?? '').includes('event-stream')
      encoding = (headers.get('content-encoding') ?? '').toLowerCase()
    },
    onChunk(chunk) {
      if (!ok || cut || !(creates || refreshes)) return
      const bound = eventStream ? MAX_STREAM_COPY : creates?.idOnly && !refreshes ? MAX_ID_HEAD_COPY : MAX_JSON_COPY
      const room = bound - copied
      if (chunk.byteLength > room) {
        cut = true
        if (room > 0) parts.push(chunk.subarray(0, room))
        return
      }
      parts.push(chunk)
      copied += chunk.byteLength
    },
    onEnd() {
      if (!ok) return
      if (route.type === 'access' && deletes) ledger.recordDeleted(provider, route.id)
      if (!creates && !refreshes) return
      const read = (where: CreatedIn): AnsweredObject | undefined => {
        try {
          const body = inflateSmallSync(concatBytes(parts), encoding, MAX_JSON_COPY)
          return answeredObject(body, eventStream, where, cut)
        } catch {
          return undefined
        }
      }
      const owner = { orgId: request.org.id, keyId: request.key.row.id, requestId: request.requestId }
      const record = (objectId: string, kind: string, status: string | null, snapshot: string | null, batchInput?: string) =>
        ledger.recordCreated({ provider, objectId, kind, ...owner, status, snapshot, ...(batchInput ? { batchInput } : {}) })
      const recordChildren = (answer: AnsweredObject) => {
        for (const child of answer.children) record(child.id, child.kind, null, null)
      }
      if (creates) {
        const created = read(creates)
        // Registered here, before onEnd returns: the client's next request already finds its object.
        if (created) {
          // A batch input file whose lines were read at upload: remembered, so a batch of it can be checked and reserved.
          const groups = request.facts.batchInputGroups
          record(created.id, creates.kind, created.status, created.snapshot, groups ? encodeBatchInput(groups) : undefined)
          recordChildren(created)
        }
      }
      // A job's submit or poll: its row, or what the answer says of it (the worker settles it at its end).
      if (job && !cut && !eventStream) {
        const answer = parseAnswer(parts, encoding)
        if (answer !== undefined) {
          recordJobAnswer(
            ledger,
            job,
            answer,
            {
              ...owner,
              provider,
              createPath: request.path,
              upstreamBase: request.provider.baseUrl,
              credentialRef: options.jobs?.credentialRef(request.provider) ?? 'unknown',
              firstPollDelayMs: options.jobs?.firstPollDelayMs ?? 30_000,
              reservedMicros: options.jobs?.reservedMicros(request.requestId) ?? null,
            },
            route.type === 'access' ? route.id : undefined,
          )
        }
      }
      if (route.type === 'access' && refreshes) {
        const current = read(route.answeredIn)
        if (current && current.id === route.id) {
          if (current.snapshot !== null || current.status !== null) ledger.recordRefreshed(provider, route.id, current.status, current.snapshot)
          recordChildren(current)
        }
      }
      parts = []
    },
  }
}

/** The whole (bounded, decompressed) JSON answer, or undefined. */
function parseAnswer(parts: readonly Uint8Array[], encoding: string): unknown {
  try {
    const body = inflateSmallSync(concatBytes(parts), encoding, MAX_JSON_COPY)
    // Parse time is the proxy thread's, and grows with the values: an answer over the budget is not read.
    return withinJsonBudget(body) ? (JSON.parse(new TextDecoder().decode(body)) as unknown) : undefined
  } catch {
    return undefined
  }
}

async function answerList(ledger: ObjectLedger, request: AdmittedRequest, route: Extract<ObjectRoute, { type: 'list' }>): Promise<StageResult> {
  const provider = request.provider.spec.id
  const paging = pagingOf(route.shape, request.query)
  const scope = { provider, kind: route.kind, orgId: request.org.id }
  const { rows } = await ledger.list({
    ...scope,
    limit: paging.limit + 1,
    offset: paging.page ? (paging.page - 1) * paging.limit : 0,
    ...(paging.field && route.kind === 'file' ? { field: paging.field } : {}),
    ...(paging.afterId !== undefined ? { afterId: paging.afterId } : {}),
  })
  const total = route.shape === 'dashscope' || route.shape === 'byteplus' ? await ledger.count(scope) : undefined
  const body = renderList(route.shape, route.kind, rows, paging, total, request.requestId)
  return { respond: new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }) }
}

/** Google's front ends honour a method override: what the provider will do is what the ledger must judge. */
const METHOD_OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override']

function effectiveMethod(request: AdmittedRequest): string {
  for (const name of METHOD_OVERRIDES) {
    const value = request.headers.get(name)
    if (value) return value.trim().toUpperCase()
  }
  return request.method
}

function bodyReferences(request: AdmittedRequest): string[] {
  const gemini = request.provider.spec.id === 'gemini' && !request.path.includes('/openai/')
  // A Gemini media upload's body is the file itself, whatever it contains.
  if (gemini && request.path.startsWith('/upload/')) return []
  const referenced = referencedObjectIds(
    {
      body: request.body,
      json: request.facts.json,
      contentType: request.headers.get('content-type') ?? '',
      contentEncoding: request.headers.get('content-encoding') ?? '',
    },
    gemini,
  )
  if (referenced === null) {
    throw new GatewayError('body_unreadable', 'The gateway cannot check which objects this request body names: send a plain JSON object (uncompressed, at most 64 levels deep).')
  }
  return referenced
}

function jobOf(request: AdmittedRequest, method: string): JobExchange | undefined {
  return jobExchangeOf(request.provider.spec, { method, path: request.path, headers: request.headers, json: request.facts.json })
}

export function createObjectsStage(options: ObjectsStageOptions): ProxyStage {
  const { ledger } = options
  return {
    admit(request): StageResult | void | Promise<StageResult | void> {
      const spec = request.provider.spec
      const method = effectiveMethod(request)
      const route = classifyObjectRequest(spec.id, { method, path: request.path, json: request.facts.json, headers: request.headers })
      if (options.isolationOff.has(spec.id)) {
        // Not enforced, still recorded: turning isolation on later finds every org's objects where they belong.
        const observer = route.type === 'create' || route.type === 'access' ? ledgerObserver(ledger, request, route, options, jobOf(request, method)) : undefined
        return observer ? { observer } : undefined
      }
      if (route.type === 'unknown') {
        if (options.orgCount() > 1) {
          throw new GatewayError(
            'endpoint_not_isolated',
            `This gateway cannot keep organizations apart on ${method} ${request.path.slice(0, 200)}, so it does not forward it. An operator can turn object isolation off for ${spec.id} (SOCIARO_${spec.id.toUpperCase().replace(/-/g, '_')}_OBJECT_ISOLATION=off) on a single-tenant install.`,
          )
        }
        return
      }
      if (route.type === 'list') return answerList(ledger, request, route)

      const referenced = bodyReferences(request)
      const named = route.type === 'access' ? [route.id, ...referenced] : referenced
      // The common case (a model call naming nothing): no lookup, no observer.
      if (route.type === 'model' && named.length === 0) return
      const observer = route.type === 'model' ? undefined : ledgerObserver(ledger, request, route, options, jobOf(request, method))
      const result: StageResult = observer ? { observer } : {}

      const unresolved: string[] = []
      for (const id of named) {
        const owner = ledger.known(spec.id, id)
        if (owner === undefined) unresolved.push(id)
        else if (!owns(owner, request.org.id)) throw notFound(id)
      }
      if (unresolved.length === 0) return result
      return (async () => {
        for (const id of unresolved) if (!owns(await ledger.owner(spec.id, id), request.org.id)) throw notFound(id)
        return result
      })()
    },
  }
}
