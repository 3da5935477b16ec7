// Admission against budgets, rate limits and concurrency, in memory: reserve before forwarding, settle from the meter.
import type { CachedKey, KeyCache } from '../auth/key-cache.ts'
import { ConcurrencyLimiter, type ConcurrencyLease } from '../concurrency-limiter.ts'
import type { ApiKeyRow, OrgRow } from '../db/schema.ts'
import type { Logger } from '../log.ts'
import type { Settlement } from '../metering/protocol/meter-job.ts'
import { modelOutputLimitTokens } from '../pricing/output-limit.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { AdmittedRequest, ProxyStage, StageResult } from '../proxy/stages.ts'
import type { BudgetLedger, Scope } from './budget-ledger.ts'
import { reservationTokens, TypicalOutput } from './estimate-reservation.ts'
import { requestedAnswers, requestedImages, requestedMaxTokens } from './extract-max-tokens.ts'
import { batchTooLongToReserve, budgetRefusal, concurrencyLimited, rateHeaders, rateLimited } from './limit-refusals.ts'
import { RateWindow } from './rate-window.ts'
import { conservativeCostMicros, reservationCost } from './reservation-cost.ts'
import { jobReservationMicros } from '../jobs/job-reservation.ts'
import type { BatchRequests } from '../types/jobs.ts'
import { batchReservationMicros, MAX_BATCH_REQUESTS_RESERVED, recordedBatchMicros } from './batch-reservation.ts'

export interface LimitsAdmissionOptions {
  readonly keys: Pick<KeyCache, 'keyById' | 'org'>
  readonly log: Logger
  readonly now: () => number
  /** Without metering nothing ever settles: reservations are then released when the exchange ends. */
  readonly metering: boolean
  /** The same overrides the meter prices with, so reservations match what settlement will charge. */
  readonly priceOverrides: () => readonly PriceOverride[]
}

export class LimitsAdmission {
  private readonly rates = new RateWindow()
  private readonly concurrency = new ConcurrencyLimiter()
  private readonly typical = new TypicalOutput()
  /** Tokens reserved per request for TPM, corrected at settlement. */
  private readonly tokenHolds = new Map<string, { keyId: string; tokens: number; tpm: number }>()
  private readonly softWarned = new Set<string>()
  /**
   * Submits of async jobs whose reservation waits for the job's end (src/jobs/): their own $0 row does not settle
   * it, the job's row does. Held until the provider forgets the job at the latest.
   */
  private readonly jobHolds = new Map<string, { micros: number; until: number; answered: boolean }>()

  constructor(
    private readonly ledger: BudgetLedger,
    private readonly options: LimitsAdmissionOptions,
  ) {}

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
    if (key.maxConcurrency !== null && this.concurrency.inFlight(key.id) >= key.maxConcurrency) throw concurrencyLimited(key.maxConcurrency)
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
        if (!lease) throw concurrencyLimited(key.maxConcurrency)
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
      const tokens = needsEstimate
        ? reservationTokens({
            inputTokensEstimate: Math.ceil((request.body?.byteLength ?? 0) / 4),
            maxTokensRequested: requestedMaxTokens(request.dialect, request.facts.json),
            answers: requestedAnswers(request.dialect, request.facts.json),
            typicalOutputTokens: this.typical.typical(key.id, model ?? ''),
            modelOutputLimitTokens: budgetScopes.length > 0 && producesOutput(request) ? modelOutputLimitTokens(request.provider.spec.id, model, at, request.provider.spec) : 0,
          })
        : undefined

      const spec = request.provider.spec
      const jobRequest = { method: request.method, path: request.path, headers: request.headers, json: request.facts.json }
      const jobSubmission = budgetScopes.length > 0 || key.tpm !== null ? spec.jobs?.submission(jobRequest) : undefined
      // An async job's tokens are not this minute's: the provider runs it later under its own batch limits, and its
      // settled row is not charged to the window either (README: TPM and async jobs). Budgets still hold it.
      if (key.tpm !== null && tokens && !jobSubmission) {
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

      const submission = budgetScopes.length > 0 ? jobSubmission : undefined
      const batch = submission ? spec.jobs?.batchRequests?.(jobRequest) : undefined
      const recorded = submission ? request.facts.batchInputRecorded : undefined
      const jobEstimate = batch
        ? this.batchEstimate(request, batch, at)
        : recorded
          ? recordedBatchMicros({ provider: spec.id, pricing: spec, groups: recorded, priceFactor: spec.jobs?.priceFactor ?? 1, at, orgId: request.org.id, overrides: this.options.priceOverrides() })
          : submission
            ? jobReservationMicros(spec, submission, request.org.id, at, this.options.priceOverrides())
            : undefined
      if (budgetScopes.length > 0 && tokens && jobEstimate !== undefined) {
        // A job costs what it makes, known only at its end: its submit reserves the most it can make, and only when that fits.
        for (const scope of budgetScopes) {
          const status = this.ledger.status(scope, now)
          if (status && status.remainingMicros < jobEstimate) throw budgetRefusal(scope, status.period, status.spentMicros + jobEstimate > status.limitMicros ? 'exhausted' : 'in_flight')
        }
        const reserved = this.ledger.tryReserve(request.requestId, budgetScopes, jobEstimate, now)
        if (!reserved.ok) throw budgetRefusal(reserved.scope, this.ledger.status(reserved.scope, now)?.period, reserved.reason)
        this.jobHolds.set(request.requestId, { micros: jobEstimate, until: now + (spec.jobs?.retentionMs ?? 0), answered: false })
        undo.push(() => {
          this.jobHolds.delete(request.requestId)
          this.ledger.release(request.requestId, this.options.now())
        })
      } else if (budgetScopes.length > 0 && tokens) {
        // The most this request can cost, so that the ledger's overshoot bound holds whatever it returns.
        const estimate = isFree(request)
          ? 0
          : reservationCost({
              provider: request.provider.spec.id,
              pricing: request.provider.spec,
              model,
              inputTokens: tokens.inputTokens,
              maxOutputTokens: tokens.maxOutputTokens,
              maxImages: requestedImages(request.dialect, request.facts.json),
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
          onHeaders: (status) => {
            // A refused submit makes no job: its own row settles (releases) its reservation as for any request.
            const hold = this.jobHolds.get(request.requestId)
            if (hold && status >= 200 && status < 300) hold.answered = true
          },
          onEnd: () => {
            const hold = this.jobHolds.get(request.requestId)
            if (hold && !hold.answered) this.jobHolds.delete(request.requestId)
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

  /** A batch carrying its requests reserves the sum of their bounds; one too long to read is refused (fail closed). */
  private batchEstimate(request: AdmittedRequest, batch: BatchRequests, at: Date): number {
    const spec = request.provider.spec
    const bound = batchReservationMicros({
      provider: spec.id,
      pricing: spec,
      dialect: request.dialect,
      batch,
      priceFactor: spec.jobs?.priceFactor ?? 1,
      at,
      orgId: request.org.id,
      overrides: this.options.priceOverrides(),
    })
    if (!bound.ok) throw batchTooLongToReserve(bound.count, MAX_BATCH_REQUESTS_RESERVED)
    return bound.costMicros
  }

  /** From the meter: actual cost replaces the reservation; actual tokens correct the TPM window. */
  settled(settlements: readonly Settlement[]): void {
    const now = this.options.now()
    for (const s of settlements) {
      const actual = chargeOf(s)
      // A job's submit: its reservation stays for the job's own row, which names it.
      const submitOfJob = s.reservation === undefined && this.jobHolds.has(s.requestId)
      if (s.reservation !== undefined) this.jobHolds.delete(s.reservation)
      const reservation = s.reservation ?? s.requestId
      if (!submitOfJob && !this.ledger.settle(reservation, actual, now) && actual !== null && actual > 0) {
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
      // A job's row holds no tokens of the window (its submit took none), and its summed output (a whole batch)
      // says nothing of one request's: neither moves the TPM accounting of the key.
      if (s.model && s.outputTokens > 0 && s.jobDurationMs === undefined) this.typical.observe(s.keyId, s.model, s.outputTokens)
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
    const now = this.options.now()
    for (const [requestId, hold] of this.jobHolds) if (hold.until <= now) this.jobHolds.delete(requestId)
    return this.ledger.releaseStale(now, maxAgeMs, (requestId) => this.jobHolds.has(requestId))
  }

  /** What a job's submit reserved (the objects stage stores it on the job's row), while its job is pending. */
  jobReservation(requestId: string): number | null {
    return this.jobHolds.get(requestId)?.micros ?? null
  }

  /** After a restart: the reservations of jobs still running, held again until their rows settle them. */
  restoreJobReservations(jobs: readonly { requestId: string; keyId: string; orgId: string; reservedMicros: number; until: number }[]): number {
    const now = this.options.now()
    let restored = 0
    for (const job of jobs) {
      const key = this.options.keys.keyById(job.keyId)?.row
      const org = this.options.keys.org(job.orgId)
      const scopes = key && org ? budgetedScopes(key, org) : []
      if (scopes.length === 0 || job.until <= now) continue
      // Over budget already (spent meanwhile): nothing is held, and the job's row is charged as unreserved spend.
      if (!this.ledger.tryReserve(job.requestId, scopes, job.reservedMicros, now).ok) continue
      this.jobHolds.set(job.requestId, { micros: job.reservedMicros, until: job.until, answered: true })
      restored++
    }
    return restored
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
function isFree(request: AdmittedRequest): boolean {
  let path = request.path
  try {
    path = decodeURIComponent(path)
  } catch {
    return false
  }
  return request.dialect.freeEndpoint(request.method, path)
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
