// Enforces budgets, rate limits and concurrency before a request is forwarded: in memory, reserve then settle.
import { budgetWindowView } from './budget-view.ts'
import type { CachedKey, KeyCache } from '../auth/key-cache.ts'
import type { ApiKeyRow, OrgRow } from '../db/schema.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Logger } from '../log.ts'
import type { Settlement } from '../metering/meter-job.ts'
import { modelOutputLimitTokens } from '../pricing/output-limit.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { Dialect } from '../providers/dialect.ts'
import { dialectFor } from '../providers/provider-wire.ts'
import type { AdmittedRequest, ProxyStage, StageResult } from '../proxy/proxy-handler.ts'
import { BudgetLedger, type BudgetConfig, type RefusalReason, type Scope } from './budget-ledger.ts'
import { ConcurrencyLimiter, type ConcurrencyLease } from '../concurrency-limiter.ts'
import { reservationTokens, TypicalOutput } from './estimate-reservation.ts'
import { requestedAnswers, requestedImages, requestedMaxTokens } from './extract-max-tokens.ts'
import { DEFAULT_BUDGET_PERIOD, type BudgetPeriod } from './period.ts'
import { RateWindow, type RateDecision } from './rate-window.ts'
import { conservativeCostMicros, reservationCost } from './reservation-cost.ts'

/** Reads spend already recorded for a scope since `since` (startup and after a budget change). */
export type SpendSource = (scope: Scope, since: number) => Promise<number>

export interface LimitsOptions {
  readonly keys: KeyCache
  readonly log: Logger
  readonly now: () => number
  readonly spendSince: SpendSource
  /** Without metering nothing ever settles: reservations are then released when the exchange ends. */
  readonly metering: boolean
  /** The same overrides the meter prices with, so reservations match what settlement will charge. */
  readonly priceOverrides: () => readonly PriceOverride[]
}

const RESPONSE_HEADER = 'x-sociaro-ratelimit'

function budgetConfig(micros: number | null, period: string | null, softPercent: number | null, timeZone: string): BudgetConfig | null {
  if (micros === null) return null
  return {
    limitMicros: micros,
    period: (period ?? DEFAULT_BUDGET_PERIOD) as BudgetPeriod,
    timeZone,
    ...(softPercent !== null ? { softThreshold: softPercent / 100 } : {}),
  }
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.ceil(ms) / 1000)}s`
}

export class Limits {
  readonly ledger = new BudgetLedger()
  private readonly rates = new RateWindow()
  private readonly concurrency = new ConcurrencyLimiter()
  private readonly typical = new TypicalOutput()
  /** Tokens reserved per request for TPM, corrected at settlement. */
  private readonly tokenHolds = new Map<string, { keyId: string; tokens: number; tpm: number }>()
  private readonly softWarned = new Set<string>()

  constructor(private readonly options: LimitsOptions) {
    options.keys.onChange((key, org) => {
      if (key) void this.configureKey(key)
      if (org) {
        void this.configureOrg(org)
        // Key budgets turn over in their org's time zone.
        for (const cached of options.keys.allKeys()) if (cached.row.orgId === org.id && cached.row.budgetMicros !== null) void this.configureKey(cached.row)
      }
    })
  }

  /** Configures every budget from the cache and seeds current-period spend from the database. */
  async load(): Promise<void> {
    await Promise.all([...[...this.options.keys.allOrgs()].map((org) => this.configureOrg(org)), ...[...this.options.keys.allKeys()].map((k) => this.configureKey(k.row))])
  }

  private async configure(scope: Scope, config: BudgetConfig | null): Promise<void> {
    // Only a scope the ledger restarted from zero (new budget, period or time zone) needs its spend from the database.
    if (!this.ledger.configure(scope, config)) return
    const after = this.ledger.status(scope, this.options.now())
    if (!after) return
    try {
      const spent = await this.options.spendSince(scope, after.periodStart)
      this.ledger.seedSpend(scope, after.periodStart, spent)
    } catch (error) {
      this.options.log.error('could not rebuild budget spend from the database', { scope: `${scope.kind}:${scope.id}`, error: String(error) })
    }
  }

  private configureOrg(org: OrgRow): Promise<void> {
    return this.configure({ kind: 'org', id: org.id }, budgetConfig(org.budgetMicros, org.budgetPeriod, org.budgetSoftPercent, org.timeZone))
  }

  private configureKey(key: ApiKeyRow): Promise<void> {
    const timeZone = this.options.keys.org(key.orgId)?.timeZone ?? 'UTC'
    return this.configure({ kind: 'key', id: key.id }, budgetConfig(key.budgetMicros, key.budgetPeriod, key.budgetSoftPercent, timeZone))
  }

  /** Re-reads spend for every budgeted scope: how instances sharing one database see each other's spend. */
  async resync(): Promise<void> {
    const now = this.options.now()
    const scopes: Scope[] = [
      ...[...this.options.keys.allOrgs()].filter((o) => o.budgetMicros !== null).map((o) => ({ kind: 'org' as const, id: o.id })),
      ...[...this.options.keys.allKeys()].filter((k) => k.row.budgetMicros !== null).map((k) => ({ kind: 'key' as const, id: k.row.id })),
    ]
    for (const scope of scopes) {
      const status = this.ledger.status(scope, now)
      if (!status) continue
      const spent = await this.options.spendSince(scope, status.periodStart)
      if (spent > status.spentMicros) this.ledger.seedSpend(scope, status.periodStart, spent)
    }
  }

  /** What an admin sees: the current period's spend, reservations and what is left, in USD. */
  budgetView(kind: 'key' | 'org', id: string) {
    const status = this.ledger.status({ kind, id }, this.options.now())
    if (!status) return null
    return {
      ...budgetWindowView(status),
      reserved_usd: status.reservedMicros / 1_000_000,
      soft_threshold_reached: status.softThresholdReached,
    }
  }

  stage(): ProxyStage {
    return { precheck: (key, org) => this.precheck(key, org), admit: (request) => this.admit(request) }
  }

  /**
   * The refusals that need no body, made before it is read: concurrency full, no request left this minute,
   * a budget already used up. Consumes nothing; `admit` takes the same decisions again with the body.
   */
  precheck(cached: CachedKey, org: OrgRow): void {
    const now = this.options.now()
    const key = cached.row
    if (key.maxConcurrency !== null && this.concurrency.inFlight(key.id) >= key.maxConcurrency) {
      throw new GatewayError('concurrency_limited', `This gateway key already has ${key.maxConcurrency} requests in flight; retry when one finishes.`, {
        'retry-after': '1',
      })
    }
    if (key.rpm !== null) {
      // Consume-then-refund at the same instant restores the bucket exactly and yields admit's own figures.
      const decision = this.rates.tryConsume(`rpm:${key.id}`, 1, now, key.rpm)
      if (!decision.ok) throw rateLimited('requests', decision, rateHeaders('requests', decision, now), now)
      this.rates.refund(`rpm:${key.id}`, 1, now)
    }
    for (const scope of budgetedScopes(key, org)) {
      const status = this.ledger.status(scope, now)
      // admit's rule (spent + reserved < limit) with nothing reserved yet: the same state refuses there too.
      if (status && status.remainingMicros === 0) {
        throw budgetRefusal(scope, status.period, status.spentMicros >= status.limitMicros ? 'exhausted' : 'in_flight')
      }
    }
  }

  private admit(request: AdmittedRequest): StageResult {
    const now = this.options.now()
    const key = request.key.row
    const headers: Record<string, string> = {}
    const undo: (() => void)[] = []
    const rollback = () => {
      for (const step of undo.splice(0).reverse()) step()
    }
    try {
      let lease: ConcurrencyLease | null = null
      if (key.maxConcurrency !== null) {
        lease = this.concurrency.tryAcquire(key.id, key.maxConcurrency)
        if (!lease) {
          throw new GatewayError('concurrency_limited', `This gateway key already has ${key.maxConcurrency} requests in flight; retry when one finishes.`, {
            'retry-after': '1',
          })
        }
        const held = lease
        undo.push(() => held.release())
      }

      if (key.rpm !== null) {
        const decision = this.rates.tryConsume(`rpm:${key.id}`, 1, now, key.rpm)
        Object.assign(headers, rateHeaders('requests', decision, now))
        if (!decision.ok) throw rateLimited('requests', decision, headers, now)
        undo.push(() => this.rates.refund(`rpm:${key.id}`, 1, this.options.now()))
      }

      const model = request.facts.model
      const budgetScopes = budgetedScopes(key, request.org)
      const needsEstimate = key.tpm !== null || budgetScopes.length > 0
      const at = new Date(now)
      // The path's wire format, resolved once: where this request keeps max_tokens, n and image counts.
      const dialect = dialectFor(request.provider.spec, request.path)
      const tokens = needsEstimate
        ? reservationTokens({
            inputTokensEstimate: Math.ceil((request.body?.byteLength ?? 0) / 4),
            maxTokensRequested: requestedMaxTokens(dialect, request.facts.json),
            answers: requestedAnswers(dialect, request.facts.json),
            typicalOutputTokens: this.typical.typical(key.id, model ?? ''),
            modelOutputLimitTokens: budgetScopes.length > 0 && producesOutput(request) ? modelOutputLimitTokens(request.provider.spec.id, model, at, request.provider.spec) : 0,
          })
        : undefined

      if (key.tpm !== null && tokens) {
        const consumed = Math.min(tokens.expectedTotalTokens, key.tpm)
        const decision = this.rates.tryConsume(`tpm:${key.id}`, consumed, now, key.tpm)
        Object.assign(headers, rateHeaders('tokens', decision, now))
        if (!decision.ok) throw rateLimited('tokens', decision, headers, now)
        this.tokenHolds.set(request.requestId, { keyId: key.id, tokens: consumed, tpm: key.tpm })
        undo.push(() => {
          this.tokenHolds.delete(request.requestId)
          this.rates.refund(`tpm:${key.id}`, consumed, this.options.now())
        })
      }

      if (budgetScopes.length > 0 && tokens) {
        // The most this request can cost, so that the ledger's overshoot bound holds whatever it returns.
        const estimate = isFree(request, dialect)
          ? 0
          : reservationCost({
              provider: request.provider.spec.id,
              pricing: request.provider.spec,
              model,
              inputTokens: tokens.inputTokens,
              maxOutputTokens: tokens.maxOutputTokens,
              maxImages: requestedImages(dialect, request.facts.json),
              at,
              orgId: request.org.id,
              overrides: this.options.priceOverrides(),
            }).costMicros
        const reserved = this.ledger.tryReserve(request.requestId, budgetScopes, estimate, now)
        if (!reserved.ok) {
          throw budgetRefusal(reserved.scope, this.ledger.status(reserved.scope, now)?.period, reserved.reason)
        }
        undo.push(() => this.ledger.release(request.requestId, this.options.now()))
      }

      return {
        headers,
        rollback,
        observer: {
          onEnd: () => {
            lease?.release()
            // No meter, no settlement: free the reservation now rather than hold it forever.
            if (!this.options.metering) {
              this.ledger.release(request.requestId, this.options.now())
              this.tokenHolds.delete(request.requestId)
            }
          },
        },
      }
    } catch (error) {
      rollback()
      throw error
    }
  }

  /** From the meter: actual cost replaces the reservation; actual tokens correct the TPM window. */
  settled(settlements: readonly Settlement[]): void {
    const now = this.options.now()
    for (const s of settlements) {
      const actual = chargeOf(s)
      if (!this.ledger.settle(s.requestId, actual, now) && actual !== null && actual > 0) {
        const key = this.options.keys.keyById(s.keyId)?.row
        const org = this.options.keys.org(s.orgId)
        const scopes = key && org ? budgetedScopes(key, org) : []
        if (scopes.length > 0) this.ledger.settleUnreserved(s.requestId, scopes, actual, now)
      }
      const hold = this.tokenHolds.get(s.requestId)
      if (hold) {
        this.tokenHolds.delete(s.requestId)
        this.rates.adjust(`tpm:${hold.keyId}`, s.inputTokens + s.outputTokens - hold.tokens, now, hold.tpm)
      }
      if (s.model && s.outputTokens > 0) this.typical.observe(s.keyId, s.model, s.outputTokens)
      this.warnSoftThreshold({ kind: 'key', id: s.keyId }, now)
      this.warnSoftThreshold({ kind: 'org', id: s.orgId }, now)
    }
  }

  private warnSoftThreshold(scope: Scope, now: number): void {
    const status = this.ledger.status(scope, now)
    if (!status?.softThresholdReached) return
    const mark = `${scope.kind}:${scope.id}:${status.periodStart}`
    if (this.softWarned.has(mark)) return
    this.softWarned.add(mark)
    this.options.log.warn('budget soft threshold reached', { scope: `${scope.kind}:${scope.id}`, period: status.period })
  }

  /** Frees reservations whose settlement never came (a shed meter job): budget must not leak forever. */
  sweep(maxAgeMs: number): number {
    return this.ledger.releaseStale(this.options.now(), maxAgeMs)
  }
}

/**
 * What a settled request costs its budgets. A priced row: its cost. An unpriced one (no price known for the model
 * the request or the answer named) must not be free, or unpriced models would bypass every budget: its tokens at
 * the provider's highest rates, or, when not even tokens are known, null (the ledger keeps the reservation).
 */
function chargeOf(s: Settlement): number | null {
  if (s.costMicros !== null) return s.costMicros
  if (s.inputTokens + s.outputTokens > 0) return conservativeCostMicros(s.provider, s.inputTokens, s.outputTokens)
  return null
}

/**
 * Listings, token counts, file and batch bookkeeping cost nothing upstream (the meter settles them at $0), so they
 * reserve nothing; a file upload would otherwise reserve its bytes as input. The path is read decoded, as the
 * upstream reads it, so an encoded ':' cannot make a generation look like a model listing.
 */
function isFree(request: AdmittedRequest, dialect: Dialect): boolean {
  let path = request.path
  try {
    path = decodeURIComponent(path)
  } catch {
    return false
  }
  return dialect.freeEndpoint(request.method, path)
}

/** A request without a body (a poll, a listing) produces no output tokens of its own. */
function producesOutput(request: AdmittedRequest): boolean {
  return (request.body?.byteLength ?? 0) > 0
}

/** The budgets a request of this key falls under. */
function budgetedScopes(key: ApiKeyRow, org: OrgRow): Scope[] {
  const scopes: Scope[] = []
  if (key.budgetMicros !== null) scopes.push({ kind: 'key', id: key.id })
  if (org.budgetMicros !== null) scopes.push({ kind: 'org', id: org.id })
  return scopes
}

function budgetRefusal(scope: Scope, period: BudgetPeriod | undefined, reason: RefusalReason): GatewayError {
  const who = scope.kind === 'key' ? 'this gateway key' : 'your organization'
  const span = period === 'total' ? 'total budget' : `budget for this ${period}`
  // Names the scope, never the figures: the caller may not be the one who sets budgets.
  if (reason === 'in_flight') {
    // Not exhausted: requests still running hold the rest, and settle to what they actually cost.
    return new GatewayError('rate_limited', `The ${span} of ${who} is held by requests in flight; retry when they finish.`, { 'retry-after': '1', 'retry-after-ms': '1000' })
  }
  return new GatewayError('budget_exceeded', `The ${span} of ${who} is exhausted.`)
}

/**
 * Our own prefix: the provider's x-ratelimit-* headers pass through untouched. Reset = time until the window is full
 * again. Tokens are reserved from an estimate and corrected to the provider's count at settlement, so requests can
 * use more than was left: the key is then in debt and reset exceeds 60 s (e.g. 90 s after 1.5× the limit). Not capped:
 * at 60 s the window would still not be full. The 429's message says so; Retry-After is when the next request fits.
 */
function rateHeaders(kind: 'requests' | 'tokens', decision: RateDecision, now: number): Record<string, string> {
  return {
    [`${RESPONSE_HEADER}-limit-${kind}`]: String(decision.limit),
    [`${RESPONSE_HEADER}-remaining-${kind}`]: String(Math.max(0, decision.remaining)),
    [`${RESPONSE_HEADER}-reset-${kind}`]: seconds(decision.resetMs - now),
  }
}

function rateLimited(kind: 'requests' | 'tokens', decision: RateDecision, headers: Record<string, string>, now: number): GatewayError {
  const retryMs = Number.isFinite(decision.retryAfterMs) ? decision.retryAfterMs : 60_000
  const fullInMs = decision.resetMs - now
  // Past a minute only in debt: say why the reset header reads more than the window's length.
  const debt =
    fullInMs > 60_000 && Number.isFinite(fullInMs)
      ? ` Requests already used more than that (the provider's count exceeded what was reserved), so the window is full again only in ${seconds(fullInMs)}, as the reset header says${Number.isFinite(decision.retryAfterMs) ? `; this request fits in ${seconds(retryMs)}` : ''}.`
      : ''
  return new GatewayError('rate_limited', `Rate limit reached for this gateway key: ${decision.limit} ${kind} per minute.${debt}`, {
    ...headers,
    'retry-after': String(Math.max(1, Math.ceil(retryMs / 1000))),
    'retry-after-ms': String(Math.ceil(retryMs)),
  })
}
