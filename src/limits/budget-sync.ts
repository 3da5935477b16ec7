// Keeps the ledger's budgets in step with the key cache: every org and key budget at start-up, and again on each change.
import type { KeyCache } from '../auth/key-cache.ts'
import type { ApiKeyRow, OrgRow } from '../db/schema.ts'
import type { BudgetConfig, BudgetLedger, Scope } from './budget-ledger.ts'
import { DEFAULT_BUDGET_PERIOD, type BudgetPeriod } from './period.ts'
import type { SpendRebuild } from './spend-rebuild.ts'

function budgetConfig(micros: number | null, period: string | null, softPercent: number | null, timeZone: string): BudgetConfig | null {
  if (micros === null) return null
  return {
    limitMicros: micros,
    period: (period ?? DEFAULT_BUDGET_PERIOD) as BudgetPeriod,
    timeZone,
    ...(softPercent !== null ? { softThreshold: softPercent / 100 } : {}),
  }
}

export class BudgetSync {
  constructor(
    private readonly ledger: BudgetLedger,
    private readonly keys: Pick<KeyCache, 'onChange' | 'allOrgs' | 'allKeys' | 'org'>,
    private readonly rebuild: SpendRebuild,
  ) {
    keys.onChange((key, org) => {
      if (key) void this.configureKey(key)
      if (org) {
        void this.configureOrg(org)
        // Key budgets turn over in their org's time zone.
        for (const cached of keys.allKeys()) if (cached.row.orgId === org.id && cached.row.budgetMicros !== null) void this.configureKey(cached.row)
      }
    })
  }

  /** Configures every budget from the cache and seeds current-period spend from the database. */
  async load(): Promise<void> {
    await Promise.all([...[...this.keys.allOrgs()].map((org) => this.configureOrg(org)), ...[...this.keys.allKeys()].map((k) => this.configureKey(k.row))])
  }

  private async configure(scope: Scope, config: BudgetConfig | null): Promise<void> {
    // Only a scope the ledger restarted from zero (new budget, period or time zone) needs its spend from the database.
    if (this.ledger.configure(scope, config)) await this.rebuild.seed(scope)
  }

  private configureOrg(org: OrgRow): Promise<void> {
    return this.configure({ kind: 'org', id: org.id }, budgetConfig(org.budgetMicros, org.budgetPeriod, org.budgetSoftPercent, org.timeZone))
  }

  private configureKey(key: ApiKeyRow): Promise<void> {
    const timeZone = this.keys.org(key.orgId)?.timeZone ?? 'UTC'
    return this.configure({ kind: 'key', id: key.id }, budgetConfig(key.budgetMicros, key.budgetPeriod, key.budgetSoftPercent, timeZone))
  }
}
