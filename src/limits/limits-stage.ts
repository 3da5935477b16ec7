// Budgets, rate limits and concurrency as one stage: the ledger, its admission, its sync with the key cache, its spend rebuild.
import type { CachedKey, KeyCache } from '../auth/key-cache.ts'
import type { OrgRow } from '../db/schema.ts'
import type { Logger } from '../log.ts'
import type { Settlement } from '../metering/protocol/meter-job.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { ProxyStage } from '../proxy/stages.ts'
import { BudgetLedger } from './budget-ledger.ts'
import { BudgetSync } from './budget-sync.ts'
import { budgetStatusView } from './budget-view.ts'
import { LimitsAdmission } from './limits-admission.ts'
import { SpendRebuild, type SpendSource } from './spend-rebuild.ts'

export interface LimitsOptions {
  readonly keys: KeyCache
  readonly log: Logger
  readonly now: () => number
  readonly spendSince: SpendSource
  /** Without metering nothing ever settles: reservations are then released when the exchange ends. */
  readonly metering: boolean
  /** The same overrides the meter prices with, so reservations match what settlement will charge. */
  readonly priceOverrides: () => readonly PriceOverride[]
  /** Jobs not settled yet with what their submits reserved (src/jobs/): held again at start-up. */
  readonly unsettledJobs?: () => Promise<{ requestId: string; keyId: string; orgId: string; reservedMicros: number; until: number }[]>
}

/**
 * Wires the parts around one ledger: admission and settlement (`limits-admission.ts`), the budgets kept in step with
 * the key cache (`budget-sync.ts`), spend rebuilt from recorded usage (`spend-rebuild.ts`), the admin view
 * (`budget-view.ts`). The pure cores (`budget-ledger.ts`, `rate-window.ts`, `reservation-cost.ts`) hold the rules.
 */
export class Limits {
  readonly ledger = new BudgetLedger()
  private readonly admission: LimitsAdmission
  private readonly rebuild: SpendRebuild
  private readonly sync: BudgetSync

  constructor(private readonly options: LimitsOptions) {
    this.admission = new LimitsAdmission(this.ledger, options)
    this.rebuild = new SpendRebuild(this.ledger, options)
    this.sync = new BudgetSync(this.ledger, options.keys, this.rebuild)
  }

  /** Configures every budget from the cache and seeds current-period spend from the database. */
  async load(): Promise<void> {
    await this.sync.load()
    const jobs = await this.options.unsettledJobs?.()
    if (jobs && jobs.length > 0) this.admission.restoreJobReservations(jobs)
  }

  /** What a job's submit reserved, while its job is pending (null: nothing). */
  jobReservation(requestId: string): number | null {
    return this.admission.jobReservation(requestId)
  }

  /** Re-reads spend for every budgeted scope: how instances sharing one database see each other's spend. */
  resync(): Promise<void> {
    return this.rebuild.resync()
  }

  /** What an admin sees: the current period's spend, reservations and what is left, in USD. */
  budgetView(kind: 'key' | 'org', id: string) {
    const status = this.ledger.status({ kind, id }, this.options.now())
    return status ? budgetStatusView(status) : null
  }

  stage(): ProxyStage {
    return this.admission.stage()
  }

  precheck(key: CachedKey, org: OrgRow): void {
    this.admission.precheck(key, org)
  }

  /** From the meter: actual cost replaces the reservation; actual tokens correct the TPM window. */
  settled(settlements: readonly Settlement[]): void {
    this.admission.settled(settlements)
  }

  /** Frees reservations whose settlement never came (a shed meter job): budget must not leak forever. */
  sweep(maxAgeMs: number): number {
    return this.admission.sweep(maxAgeMs)
  }
}
