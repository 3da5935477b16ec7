// In-memory per-key and per-org spend budgets: reserve before forwarding, settle to actual cost, release on failure.
import { isBudgetPeriod, isValidTimeZone, periodEnd, periodStart, type BudgetPeriod } from './period.ts'

export type ScopeKind = 'key' | 'org'

export interface Scope {
  readonly kind: ScopeKind
  readonly id: string
}

export interface BudgetConfig {
  /** Budget per period in integer micro-USD. 0 blocks every request. */
  readonly limitMicros: number
  readonly period: BudgetPeriod
  /** IANA zone whose calendar defines the period boundaries. Default `UTC`. */
  readonly timeZone?: string
  /** Fraction of the limit (0 < t <= 1) at which `softThresholdReached` turns true. Reported only. */
  readonly softThreshold?: number
}

export interface BudgetStatus {
  readonly limitMicros: number
  /** Settled spend attributed to the current period. */
  readonly spentMicros: number
  /** Sum of outstanding reservations made in the current period. */
  readonly reservedMicros: number
  /** `max(0, limit - spent - reserved)`. */
  readonly remainingMicros: number
  readonly period: BudgetPeriod
  readonly periodStart: number
  /** Exclusive; Infinity for `total`. */
  readonly periodEnd: number
  /** Settled spend >= softThreshold * limit. Always false without a threshold. */
  readonly softThresholdReached: boolean
}

/**
 * Why a request was refused: `exhausted` when settled spend alone has reached the limit (nothing will change that
 * this period), `in_flight` when the outstanding reservations of requests still running fill the rest (their
 * settlement frees what they did not spend, so a retry may be admitted).
 */
export type RefusalReason = 'exhausted' | 'in_flight'

export type ReserveResult = { readonly ok: true } | { readonly ok: false; readonly scope: Scope; readonly reason: RefusalReason }

export interface BudgetLedgerOptions {
  /** How many settled request ids are remembered to make late duplicate settles no-ops. Default 100 000. */
  readonly settledIdMemory?: number
}

interface NormalizedConfig {
  readonly limitMicros: number
  readonly period: BudgetPeriod
  readonly timeZone: string
  readonly softThreshold: number | undefined
}

interface ScopeState {
  readonly scope: Scope
  config: NormalizedConfig
  /** -Infinity until first use or seed; then the start of the period `spentMicros` belongs to. */
  periodStartMs: number
  periodEndMs: number
  spentMicros: number
  reservedMicros: number
}

/** One scope's share of a reservation, pinned to the state object and period it was taken in. */
interface Hold {
  readonly state: ScopeState
  readonly periodStartMs: number
}

interface Reservation {
  readonly estimateMicros: number
  readonly createdAtMs: number
  readonly holds: readonly Hold[]
}

function scopeKey(scope: Scope): string {
  return `${scope.kind}:${scope.id}`
}

function checkMicros(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`BudgetLedger: ${name} must be a finite non-negative number, got ${value}`)
}

/**
 * Admission rule: a request is admitted iff, for EVERY budgeted scope it names,
 *
 *     spent + reservedOutstanding < limit
 *
 * and then its estimate is added to `reservedOutstanding` of all those scopes at once (all or nothing).
 *
 * Overshoot bound (per scope, per period), assuming each request's actual cost a_i <= its reservation e_i:
 * each admitted request i contributes to `spent + reserved` either e_i (outstanding), a_i (settled) or
 * 0 (released, which means it spent nothing), and that contribution only ever shrinks over its life.
 * Let k be the LAST request admitted in the period. At k's admission `spent + reserved < limit`, and that
 * sum already included every earlier request at a contribution >= its final one (plus seeded spend).
 * No request is admitted after k, so the final spend is < limit + a_k <= limit + e_k:
 * the overshoot is strictly less than one request's actual cost (the last admitted one's), hence less
 * than its reservation. The assumption a_i <= e_i is the caller's to keep: the limits stage reserves
 * each request's upper bound (see reservation-cost.ts), never a typical figure.
 * With 50 concurrent requests against limit 1000 / spent 990 / estimate 50, the first is admitted
 * (sum becomes 1040) and the other 49 are rejected; final spend <= 1040 < 1050.
 *
 * Why not `spent + reserved + estimate <= limit` (zero overshoot)? Estimates are worst cases (the output
 * upper bound priced at the output rate), so that rule rejects requests whose real cost would fit, and the
 * last `estimate` micros of every budget could never be spent. The chosen rule admits while any headroom
 * remains; the price is the one-request overshoot above. Concurrent reservations still block
 * each other near the limit (they are released/settled within one request's lifetime, so such refusals
 * are transient and reported as `in_flight`, apart from `exhausted`).
 *
 * If an actual cost exceeds its reservation (estimate too low, or spend that arrives through
 * `settleUnreserved`), the excess is charged in full: spend may then exceed limit + one reservation by
 * that excess, and every later request in the period is rejected until the period rolls over.
 *
 * Periods: spend is attributed to the period the request STARTED in (its reservation time), matching a
 * DB rebuild that sums usage by request start time. Rollover is lazy: the first call at or after the
 * period end resets spend and reserved to 0 for the new period; reservations taken in the old period no
 * longer count against the new one, and their settlement is dropped from memory (it belongs to a
 * closed period) while still removing the reservation.
 */
export class BudgetLedger {
  private readonly states = new Map<string, ScopeState>()
  private readonly reservations = new Map<string, Reservation>()
  // Insertion-ordered, so the oldest id is evicted first once the cap is reached.
  private readonly settledIds = new Set<string>()
  private readonly settledIdMemory: number

  constructor(options: BudgetLedgerOptions = {}) {
    this.settledIdMemory = Math.max(1, Math.floor(options.settledIdMemory ?? 100_000))
  }

  /**
   * Sets or removes (null) a scope's budget. Changing only the limit or threshold keeps the tracked spend;
   * changing the period or timezone starts from zero (the old figure measured a different window),
   * so callers re-seed with `seedSpend`. Returns true exactly when the scope now starts from zero (a new budget,
   * period or timezone). Throws RangeError on an invalid config.
   */
  configure(scope: Scope, config: BudgetConfig | null): boolean {
    const key = scopeKey(scope)
    if (config === null) {
      this.states.delete(key)
      return false
    }
    const normalized = normalizeConfig(config)
    const existing = this.states.get(key)
    if (existing !== undefined && existing.config.period === normalized.period && existing.config.timeZone === normalized.timeZone) {
      existing.config = normalized
      return false
    }
    // A fresh object, so holds taken under the old window no longer touch this state (see `holdIsCurrent`).
    this.states.set(key, {
      scope: { kind: scope.kind, id: scope.id },
      config: normalized,
      periodStartMs: Number.NEGATIVE_INFINITY,
      periodEndMs: Number.NEGATIVE_INFINITY,
      spentMicros: 0,
      reservedMicros: 0,
    })
    return true
  }

  /**
   * Replaces the settled spend of a configured scope for the period starting at `periodStartMs`
   * (startup rebuild from the DB). `periodStartMs` must be a boundary `periodStart()` returns for the
   * scope's config. Returns false (and changes nothing) when the scope has no budget or the seed is for
   * a period older than the one already tracked.
   */
  seedSpend(scope: Scope, periodStartMs: number, spentMicros: number): boolean {
    checkMicros('spentMicros', spentMicros)
    const state = this.states.get(scopeKey(scope))
    if (state === undefined) return false
    const { period, timeZone } = state.config
    if (!Number.isFinite(periodStartMs) || periodStart(period, periodStartMs, timeZone) !== periodStartMs) {
      throw new RangeError(`BudgetLedger.seedSpend: ${periodStartMs} is not a ${period} boundary in ${timeZone}`)
    }
    if (periodStartMs < state.periodStartMs) return false
    if (periodStartMs > state.periodStartMs) {
      state.periodStartMs = periodStartMs
      state.periodEndMs = periodEnd(period, periodStartMs, timeZone)
      state.reservedMicros = 0
    }
    state.spentMicros = spentMicros
    return true
  }

  /**
   * Admits the request against every budgeted scope in `scopes` or none of them (see the class comment
   * for the rule and its bound). Scopes without a budget are ignored. A request id that already holds a
   * reservation is admitted again without reserving twice.
   */
  tryReserve(requestId: string, scopes: readonly Scope[], estimateMicros: number, nowMs: number): ReserveResult {
    checkMicros('estimateMicros', estimateMicros)
    if (this.reservations.has(requestId)) return { ok: true }

    const budgeted: ScopeState[] = []
    for (const scope of scopes) {
      const state = this.states.get(scopeKey(scope))
      if (state === undefined || budgeted.includes(state)) continue
      this.roll(state, nowMs)
      if (state.spentMicros + state.reservedMicros >= state.config.limitMicros) {
        return { ok: false, scope: state.scope, reason: state.spentMicros >= state.config.limitMicros ? 'exhausted' : 'in_flight' }
      }
      budgeted.push(state)
    }

    const estimate = Math.ceil(estimateMicros)
    const holds: Hold[] = []
    for (const state of budgeted) {
      state.reservedMicros += estimate
      holds.push({ state, periodStartMs: state.periodStartMs })
    }
    this.reservations.set(requestId, { estimateMicros: estimate, createdAtMs: nowMs, holds })
    // Ids are expected to be unique; if one is reused, its new lifecycle must be settleable.
    this.settledIds.delete(requestId)
    return { ok: true }
  }

  /**
   * Converts the reservation into actual spend on each scope it was taken on. Idempotent: returns false
   * (and does nothing) when `requestId` has no outstanding reservation, e.g. a duplicate settle, a
   * released request, or an id from before a restart (use `settleUnreserved` for those).
   * `null` means the actual cost is unknown: the reservation, an upper bound, is charged as spend.
   */
  settle(requestId: string, actualMicros: number | null, nowMs: number): boolean {
    if (actualMicros !== null) checkMicros('actualMicros', actualMicros)
    const reservation = this.reservations.get(requestId)
    if (reservation === undefined) return false
    this.reservations.delete(requestId)
    const actual = actualMicros === null ? reservation.estimateMicros : Math.round(actualMicros)
    for (const hold of reservation.holds) {
      if (!this.holdIsCurrent(hold, nowMs)) continue
      hold.state.reservedMicros -= reservation.estimateMicros
      hold.state.spentMicros += actual
    }
    this.rememberSettled(requestId)
    return true
  }

  /**
   * Charges spend that has no reservation here (the process restarted mid-request, or the request never
   * reserved) to the given scopes, in the period containing `nowMs` (pass the request's start time to
   * attribute it like `settle` does). Idempotent per id via a bounded memory of recently settled ids.
   * If the id does hold a reservation, this is exactly `settle` and `scopes` is ignored.
   */
  settleUnreserved(requestId: string, scopes: readonly Scope[], actualMicros: number, nowMs: number): boolean {
    if (this.reservations.has(requestId)) return this.settle(requestId, actualMicros, nowMs)
    checkMicros('actualMicros', actualMicros)
    if (this.settledIds.has(requestId)) return false
    const actual = Math.round(actualMicros)
    const seen = new Set<ScopeState>()
    for (const scope of scopes) {
      const state = this.states.get(scopeKey(scope))
      if (state === undefined || seen.has(state)) continue
      seen.add(state)
      this.roll(state, nowMs)
      // nowMs may be an earlier request start than the tracked period: that spend belongs to a closed period.
      if (periodStart(state.config.period, nowMs, state.config.timeZone) !== state.periodStartMs) continue
      state.spentMicros += actual
    }
    this.rememberSettled(requestId)
    return true
  }

  /**
   * Drops the reservation without spend (upstream failed before any usage). Returns false if there was
   * none. The id is not marked settled, so a later `settleUnreserved` for it still charges.
   */
  release(requestId: string, nowMs?: number): boolean {
    const reservation = this.reservations.get(requestId)
    if (reservation === undefined) return false
    this.reservations.delete(requestId)
    for (const hold of reservation.holds) {
      if (nowMs !== undefined ? !this.holdIsCurrent(hold, nowMs) : !this.holdMatches(hold)) continue
      hold.state.reservedMicros -= reservation.estimateMicros
    }
    return true
  }

  /**
   * Releases reservations older than `maxAgeMs`: a safety net so a lost settle/release (a bug, a crashed
   * worker) cannot hold budget forever. Returns how many were released.
   */
  releaseStale(nowMs: number, maxAgeMs: number, keep?: (requestId: string) => boolean): number {
    let released = 0
    for (const [requestId, reservation] of this.reservations) {
      // `keep`: reservations that are meant to last (an async job's, until the job ends).
      if (keep?.(requestId)) continue
      if (nowMs - reservation.createdAtMs >= maxAgeMs && this.release(requestId, nowMs)) released++
    }
    return released
  }

  /** Current figures for a budgeted scope, or null when it has no budget. */
  status(scope: Scope, nowMs: number): BudgetStatus | null {
    const state = this.states.get(scopeKey(scope))
    if (state === undefined) return null
    this.roll(state, nowMs)
    const { limitMicros, period, softThreshold } = state.config
    return {
      limitMicros,
      spentMicros: state.spentMicros,
      reservedMicros: state.reservedMicros,
      remainingMicros: Math.max(0, limitMicros - state.spentMicros - state.reservedMicros),
      period,
      periodStart: state.periodStartMs,
      periodEnd: state.periodEndMs,
      softThresholdReached: softThreshold !== undefined && state.spentMicros >= softThreshold * limitMicros,
    }
  }

  /** Number of reservations awaiting settle or release. */
  get outstandingReservations(): number {
    return this.reservations.size
  }

  private roll(state: ScopeState, nowMs: number): void {
    if (nowMs < state.periodEndMs) return
    const { period, timeZone } = state.config
    const start = periodStart(period, nowMs, timeZone)
    // Only move forward: a clock stepping back must not wipe the current period's spend.
    if (start <= state.periodStartMs) return
    state.periodStartMs = start
    state.periodEndMs = periodEnd(period, nowMs, timeZone)
    state.spentMicros = 0
    state.reservedMicros = 0
  }

  private holdMatches(hold: Hold): boolean {
    return this.states.get(scopeKey(hold.state.scope)) === hold.state && hold.periodStartMs === hold.state.periodStartMs
  }

  /** The hold still counts: its scope was not reconfigured/removed and its period has not rolled over. */
  private holdIsCurrent(hold: Hold, nowMs: number): boolean {
    if (this.states.get(scopeKey(hold.state.scope)) !== hold.state) return false
    this.roll(hold.state, nowMs)
    return hold.periodStartMs === hold.state.periodStartMs
  }

  private rememberSettled(requestId: string): void {
    this.settledIds.add(requestId)
    if (this.settledIds.size > this.settledIdMemory) {
      const oldest = this.settledIds.values().next()
      if (oldest.done !== true) this.settledIds.delete(oldest.value)
    }
  }
}

function normalizeConfig(config: BudgetConfig): NormalizedConfig {
  const { limitMicros, period, softThreshold } = config
  const timeZone = config.timeZone ?? 'UTC'
  checkMicros('limitMicros', limitMicros)
  if (!isBudgetPeriod(period)) {
    throw new RangeError(`BudgetLedger: unknown period ${String(period)}`)
  }
  if (!isValidTimeZone(timeZone)) throw new RangeError(`BudgetLedger: unknown time zone ${timeZone}`)
  if (softThreshold !== undefined && !(softThreshold > 0 && softThreshold <= 1)) {
    throw new RangeError(`BudgetLedger: softThreshold must be in (0, 1], got ${softThreshold}`)
  }
  return { limitMicros, period, timeZone, softThreshold }
}
