// Loads price overrides (global and per org) from the database into the shape the pricing core takes.
import type { Client } from '@libsql/client'
import type { PriceFields, PriceOverride } from '../pricing/types.ts'

export async function loadPriceOverrides(client: Client): Promise<PriceOverride[]> {
  const result = await client.execute('SELECT org_id, provider, model_pattern, prices, updated_at FROM price_overrides')
  const overrides: PriceOverride[] = []
  for (const row of result.rows) {
    let fields: PriceFields
    try {
      fields = JSON.parse(String(row.prices)) as PriceFields
    } catch {
      continue
    }
    overrides.push({
      ...fields,
      provider: String(row.provider),
      model: String(row.model_pattern),
      ...(row.org_id ? { orgId: String(row.org_id) } : {}),
      source: 'override',
    })
  }
  return overrides
}
