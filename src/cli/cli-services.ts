// The services as the CLI runs them: reads and reprices on this thread (its own process), budgets read from the database.
import { reprice } from '../analytics/reprice.ts'
import { directUsageReads } from '../analytics/usage-reads.ts'
import type { ResolvedProvider, WebhookEgressConfig } from '../config.ts'
import { STRICT_EGRESS, WebhookEgress } from '../jobs/webhook-egress.ts'
import type { Database } from '../db/client.ts'
import { loadPriceOverrides } from '../metering/proxy/price-overrides.ts'
import type { PriceOverride } from '../pricing/types.ts'
import { providerDirectory } from '../providers/registry.ts'
import type { CredentialCipher } from '../secrets/credential-cipher.ts'
import { ChangeEvents } from '../services/change-events.ts'
import { createServices, type Services } from '../services/services.ts'
import { listStoredCredentials } from '../store/credentials.ts'
import { requireOrg } from '../store/orgs.ts'
import { budgetSnapshot, type BudgetSnapshot } from './budget-column.ts'

export interface CliServiceDeps {
  readonly database: Database
  readonly providers: readonly ResolvedProvider[]
  readonly canonicalProvider: (name: string) => string | undefined
  readonly cipher: () => CredentialCipher
  /** Overrides from the config file; a reprice adds the database's. */
  readonly configPriceOverrides: readonly PriceOverride[]
  /** Where job webhooks may go (the configuration's opt-ins; default public https only). */
  readonly webhookEgress?: WebhookEgressConfig
}

/**
 * Nothing in this process caches what the services change, so no change event has a subscriber here: a running
 * gateway picks the change up from the database by its own refresh (keys and credentials every second, prices every 10 s).
 */
export function createCliServices(deps: CliServiceDeps): Services<BudgetSnapshot> {
  const { db, client } = deps.database
  const zones = new Map<string, string>()
  const zoneOf = async (orgId: string) => {
    const known = zones.get(orgId)
    if (known) return known
    const zone = (await requireOrg(db, orgId)).timeZone
    zones.set(orgId, zone)
    return zone
  }
  return createServices<BudgetSnapshot>({
    db,
    client,
    events: new ChangeEvents(),
    providers: deps.providers,
    canonicalProvider: deps.canonicalProvider,
    cipher: deps.cipher,
    webhookEgress: new WebhookEgress(deps.webhookEgress ?? STRICT_EGRESS),
    budgets: {
      org: (row) => budgetSnapshot(client, { kind: 'org', id: row.id }, { micros: row.budgetMicros, period: row.budgetPeriod, timeZone: row.timeZone }),
      key: async (row) =>
        row.budgetMicros === null ? null : budgetSnapshot(client, { kind: 'key', id: row.id }, { micros: row.budgetMicros, period: row.budgetPeriod, timeZone: await zoneOf(row.orgId) }),
    },
    storedCredentials: async () => new Set((await listStoredCredentials(db)).map((row) => row.provider)),
    reads: directUsageReads(db, client),
    reprice: async (range) => reprice(client, range, await loadPriceOverrides(db, deps.configPriceOverrides), providerDirectory(deps.providers.map((provider) => provider.spec))),
  })
}
