// Turns what the usage output prints (key names, "provider/model" labels) back into the filter's ids, and refuses what matches nothing.
import { and, eq, or, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { apiKeys, usageRollups } from '../db/schema.ts'
import { StoreError } from '../store/orgs.ts'

/**
 * A key as any listing shows it: its id, its name (within `orgId` when given) or its display form `gw_live_abcd…wxyz`.
 * A name several keys share is refused with their ids, never guessed.
 */
export async function resolveKeyId(db: Db, value: string, orgId?: string): Promise<string> {
  const scope = orgId ? eq(apiKeys.orgId, orgId) : undefined
  const byId = await db.select({ id: apiKeys.id }).from(apiKeys).where(and(eq(apiKeys.id, value), scope)).limit(1)
  if (byId[0]) return byId[0].id
  const display = value.split('…')
  const match =
    display.length === 2
      ? and(eq(apiKeys.displayPrefix, display[0]!), eq(apiKeys.last4, display[1]!))
      : eq(apiKeys.name, value)
  const rows = await db.select({ id: apiKeys.id }).from(apiKeys).where(and(match, scope)).limit(10)
  if (rows.length === 1) return rows[0]!.id
  const where = orgId ? ' in this org' : ''
  if (rows.length === 0) throw new StoreError('not_found', `no key "${value}"${where} (give its id, name or the form keys list prints)`)
  throw new StoreError('invalid', `${rows.length === 10 ? 'many' : rows.length} keys${where} are named "${value}" (${rows.map((r) => r.id).join(', ')}): give the id`)
}

/**
 * A model as `--group-by model` prints it ("openai/gpt-4o-mini") or as the provider names it ("gpt-4o-mini").
 * Checked against the models that have usage at all (any time), so a typo is an error, not an empty report.
 */
export async function resolveModel(db: Db, value: string, provider?: string): Promise<{ provider?: string; model: string }> {
  const label = sql`${usageRollups.provider} || '/' || ${usageRollups.model}`
  const rows = await db
    .selectDistinct({ provider: usageRollups.provider, model: usageRollups.model })
    .from(usageRollups)
    .where(and(eq(usageRollups.grain, 'day'), or(eq(usageRollups.model, value), sql`${label} = ${value}`), provider ? eq(usageRollups.provider, provider) : undefined))
    .limit(50)
  const labelled = rows.find((row) => `${row.provider}/${row.model}` === value)
  if (labelled) return { provider: labelled.provider, model: labelled.model }
  if (rows.length > 0) return { ...(provider ? { provider } : {}), model: value }
  throw new StoreError(
    'not_found',
    `no usage recorded for model "${value}"${provider ? ` of ${provider}` : ''} (give it as \`usage --group-by model\` prints it, e.g. openai/gpt-4o-mini, or the provider's own name)`,
  )
}
