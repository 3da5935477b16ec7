// Every price override in force: the database's (global and per org) followed by the config file's, in the shape the pricing core takes.
import type { Db } from '../../db/client.ts'
import type { PriceFields, PriceOverride } from '../../pricing/types.ts'
import { listPriceOverrides } from '../../store/price-overrides.ts'

export async function loadPriceOverrides(db: Db, fromConfig: readonly PriceOverride[]): Promise<PriceOverride[]> {
  const overrides: PriceOverride[] = []
  for (const row of await listPriceOverrides(db)) {
    let fields: PriceFields
    try {
      fields = JSON.parse(row.prices) as PriceFields
    } catch {
      continue
    }
    overrides.push({ ...fields, provider: row.provider, model: row.modelPattern, ...(row.orgId ? { orgId: row.orgId } : {}), source: 'override' })
  }
  return [...overrides, ...fromConfig]
}
