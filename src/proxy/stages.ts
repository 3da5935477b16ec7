// The stage contract of the exchange pipeline, the one declared order of the stages, and all-or-none admission.
import type { CachedKey } from '../auth/key-cache.ts'
import type { ResolvedProvider } from '../config.ts'
import type { OrgRow } from '../db/schema.ts'
import type { GatewayError } from '../errors/gateway-error.ts'
import type { Dialect } from '../providers/dialect.ts'
import type { ExchangeObserver } from './forward.ts'
import type { RequestFacts } from './locate-model.ts'

/**
 * Every stage, in the order the pipeline runs them. The order is this list: a stage set (`StageSet`) names each
 * entry once, so the compiler refuses a stage that is not here and a wiring that forgets one.
 */
export const STAGE_ORDER = [
  // First: counts the exchange as active, so shutdown waits for it; a later refusal rolls the count back.
  'tracking',
  // Right after tracking: a later stage's refusal rolls its admission back, and its line still names the key.
  'access-log',
  // Before limits: a request naming another org's object is refused before it reserves anything.
  'objects',
  // Reserves budget and rate from the client's body, before any stage replaces that body.
  'limits',
  // May replace the body (include-usage injection) and sets the headers that edit needs.
  'meter',
  // Last: the overhead it records covers the other stages' work too (reservations, the usage rewrite).
  'metrics',
] as const

export type StageName = (typeof STAGE_ORDER)[number]

/** One slot per stage name: `undefined` for a stage that is off in this process (no meter, no access log). */
export type StageSet = { readonly [Name in StageName]: ProxyStage | undefined }

/** The stages of a set that are on, in the declared order (done once, when the pipeline is built). */
export function orderedStages(set: Partial<StageSet>): readonly ProxyStage[] {
  const stages: ProxyStage[] = []
  for (const name of STAGE_ORDER) {
    const stage = set[name]
    if (stage) stages.push(stage)
  }
  return stages
}

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
  /** The canonical upstream path (the route target's). */
  readonly path: string
  /** The upstream query string without "?" ("" when none), the gateway key already removed. */
  readonly query: string
  /** The wire format of the exchange (the route target's dialect). */
  readonly dialect: Dialect
  readonly facts: RequestFacts
  readonly headers: Headers
  /** The bytes that will go upstream: the client's (after the route's edit), unless a stage replaced them. */
  readonly body: Uint8Array | undefined
  /** Sends these bytes upstream instead; the stages after this one see them as `body`. */
  replaceBody(bytes: Uint8Array): void
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

/** A request the gateway answered itself, with an error, after its key and its route target were known (never its body). */
export interface RefusedRequest {
  readonly requestId: string
  readonly startedAt: number
  /** The provider id the row names: the target's, or the route's stand-in when the target was not known yet (`v1`). */
  readonly provider: string
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
  /**
   * Runs before the body is read, so a request it refuses (throws GatewayError) is never buffered; consumes nothing.
   * Synchronous, and run before the pipeline's first await (the access log relies on that to name the key).
   */
  precheck?(key: CachedKey, org: OrgRow): void
  /** Synchronous unless the stage must wait (a database read); a promise costs the other requests nothing. */
  admit(request: AdmittedRequest): StageResult | void | Promise<StageResult | void>
}

const NOTHING: StageResult = Object.freeze({})

/**
 * All stages admit, or none: a rejection rolls back what earlier stages reserved. A stage that answers itself
 * ends admission there (the earlier stages are rolled back too: the exchange they prepared for never happens).
 * Synchronous while every stage answers synchronously: a promise (and an await) only from the first stage that waits.
 */
export function admitAll(stages: readonly ProxyStage[], admitted: AdmittedRequest): StageResult[] | Promise<StageResult[]> {
  const results: StageResult[] = []
  for (let at = 0; at < stages.length; at++) {
    let admission: ReturnType<ProxyStage['admit']>
    try {
      admission = stages[at]!.admit(admitted)
    } catch (error) {
      rollBack(results)
      throw error
    }
    if (admission instanceof Promise) return admitRest(stages, at, admission, admitted, results)
    const result = admission ?? NOTHING
    if (result.respond) return answered(results, result)
    results.push(result)
  }
  return results
}

/** The same loop from the first stage that returned a promise on. */
async function admitRest(
  stages: readonly ProxyStage[],
  from: number,
  pending: Promise<StageResult | void>,
  admitted: AdmittedRequest,
  results: StageResult[],
): Promise<StageResult[]> {
  try {
    for (let at = from; at < stages.length; at++) {
      const admission = at === from ? pending : stages[at]!.admit(admitted)
      const result = (admission instanceof Promise ? await admission : admission) ?? NOTHING
      if (result.respond) return answered(results, result)
      results.push(result)
    }
  } catch (error) {
    rollBack(results)
    throw error
  }
  return results
}

function answered(earlier: readonly StageResult[], result: StageResult): StageResult[] {
  rollBack(earlier)
  return [result]
}

function rollBack(results: readonly StageResult[]): void {
  for (const result of results) result.rollback?.()
}
