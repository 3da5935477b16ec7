// Price override records (global or per org) for negotiated rates and custom models.
import { asc, eq } from 'drizzle-orm'
import { newId } from '../auth/key-format.ts'
import type { Db } from '../db/client.ts'
import { priceOverrides } from '../db/schema.ts'
import type { PriceFields } from '../pricing/types.ts'
import { StoreError } from './orgs.ts'

export async function createPriceOverride(db: Db, input: { orgId: string | null; provider: string; modelPattern: string; fields: PriceFields }, now = Date.now()) {
  const row = { id: newId('price'), orgId: input.orgId, provider: input.provider, modelPattern: input.modelPattern, prices: JSON.stringify(input.fields), createdAt: now, updatedAt: now }
  await db.insert(priceOverrides).values(row)
  return row
}

export async function listPriceOverrides(db: Db) {
  return db.select().from(priceOverrides).orderBy(asc(priceOverrides.createdAt))
}

export async function deletePriceOverride(db: Db, id: string) {
  const deleted = await db.delete(priceOverrides).where(eq(priceOverrides.id, id)).returning()
  if (deleted.length === 0) throw new StoreError('not_found', `no price override "${id}"`)
}
