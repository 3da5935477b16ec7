// Gateway key records: create (returning the secret once), list, update and revoke.
import { and, asc, eq } from 'drizzle-orm'
import { displayParts, generateKeySecret, hashKeySecret, newId } from '../auth/key-format.ts'
import type { Db } from '../db/client.ts'
import { apiKeys, type ApiKeyRow } from '../db/schema.ts'
import { requireOrg, StoreError } from './orgs.ts'

export interface KeySettings {
  name?: string
  models?: string[]
  expiresAt?: number | null
  streamUsage?: 'estimate' | 'inject' | null
  budgetMicros?: number | null
  budgetPeriod?: string | null
  budgetSoftPercent?: number | null
  rpm?: number | null
  tpm?: number | null
  maxConcurrency?: number | null
}

function toColumns(settings: KeySettings): Partial<ApiKeyRow> {
  const { models, ...rest } = settings
  const columns: Partial<ApiKeyRow> = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined))
  if (models !== undefined) columns.models = JSON.stringify(models)
  return columns
}

export async function createKey(
  db: Db,
  orgIdOrName: string,
  settings: KeySettings,
  now = Date.now(),
): Promise<{ row: ApiKeyRow; secret: string }> {
  const org = await requireOrg(db, orgIdOrName)
  const secret = generateKeySecret()
  const row: ApiKeyRow = {
    id: newId('key'),
    orgId: org.id,
    name: settings.name ?? 'default',
    keyHash: hashKeySecret(secret),
    ...displayParts(secret),
    status: 'active',
    models: JSON.stringify(settings.models ?? ['*']),
    expiresAt: settings.expiresAt ?? null,
    streamUsage: settings.streamUsage ?? null,
    budgetMicros: settings.budgetMicros ?? null,
    budgetPeriod: settings.budgetPeriod ?? null,
    budgetSoftPercent: settings.budgetSoftPercent ?? null,
    rpm: settings.rpm ?? null,
    tpm: settings.tpm ?? null,
    maxConcurrency: settings.maxConcurrency ?? null,
    createdAt: now,
    updatedAt: now,
    lastUsedAt: null,
  }
  await db.insert(apiKeys).values(row)
  return { row, secret }
}

export async function listKeys(db: Db, orgIdOrName?: string): Promise<ApiKeyRow[]> {
  if (!orgIdOrName) return db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt))
  const org = await requireOrg(db, orgIdOrName)
  return db.select().from(apiKeys).where(eq(apiKeys.orgId, org.id)).orderBy(asc(apiKeys.createdAt))
}

export async function requireKey(db: Db, id: string): Promise<ApiKeyRow> {
  const row = (await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1))[0]
  if (!row) throw new StoreError('not_found', `no key "${id}"`)
  return row
}

export async function updateKey(db: Db, id: string, settings: KeySettings, now = Date.now()): Promise<ApiKeyRow> {
  const row = await requireKey(db, id)
  await db
    .update(apiKeys)
    .set({ ...toColumns(settings), updatedAt: Math.max(now, row.updatedAt + 1) })
    .where(eq(apiKeys.id, id))
  return requireKey(db, id)
}

export async function revokeKey(db: Db, id: string, now = Date.now()): Promise<ApiKeyRow> {
  const row = await requireKey(db, id)
  await db
    .update(apiKeys)
    .set({ status: 'revoked', updatedAt: Math.max(now, row.updatedAt + 1) })
    .where(and(eq(apiKeys.id, id)))
  return requireKey(db, id)
}

/** The key whose secret hashes to `keyHash` (a dashboard sign-in with a gateway key). */
export async function findKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  return (await db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).limit(1))[0]
}
