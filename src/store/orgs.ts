// Organization records: create, list, find and update, shared by the CLI and the admin API.
import { asc, eq } from 'drizzle-orm'
import { newId } from '../auth/key-format.ts'
import type { Db } from '../db/client.ts'
import { orgs, type OrgRow } from '../db/schema.ts'
import { ServiceError } from '../errors/service-error.ts'

/** The store's refusals: the one service error type, limited to the codes a store can mean. */
export class StoreError extends ServiceError {
  override name = 'StoreError'
  constructor(code: 'not_found' | 'conflict' | 'invalid', message: string) {
    super(code, message)
  }
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export interface OrgSettings {
  timeZone?: string
  streamUsage?: 'estimate' | 'inject'
  budgetMicros?: number | null
  budgetPeriod?: string | null
  budgetSoftPercent?: number | null
}

export async function createOrg(db: Db, name: string, settings: OrgSettings = {}, now = Date.now()): Promise<OrgRow> {
  if (!NAME_PATTERN.test(name)) throw new StoreError('invalid', `org name must match ${NAME_PATTERN}`)
  if (await findOrgByName(db, name)) throw new StoreError('conflict', `org "${name}" already exists`)
  const row: OrgRow = {
    id: newId('org'),
    name,
    timeZone: settings.timeZone ?? 'UTC',
    streamUsage: settings.streamUsage ?? 'estimate',
    budgetMicros: settings.budgetMicros ?? null,
    budgetPeriod: settings.budgetPeriod ?? null,
    budgetSoftPercent: settings.budgetSoftPercent ?? null,
    webhookUrl: null,
    webhookSecret: null,
    webhookKeyId: null,
    createdAt: now,
    updatedAt: now,
  }
  await db.insert(orgs).values(row)
  return row
}

export async function listOrgs(db: Db): Promise<OrgRow[]> {
  return db.select().from(orgs).orderBy(asc(orgs.createdAt))
}

export async function findOrgByName(db: Db, name: string): Promise<OrgRow | undefined> {
  return (await db.select().from(orgs).where(eq(orgs.name, name)).limit(1))[0]
}

/** Accepts an org id or name. */
export async function requireOrg(db: Db, idOrName: string): Promise<OrgRow> {
  const byId = (await db.select().from(orgs).where(eq(orgs.id, idOrName)).limit(1))[0]
  const org = byId ?? (await findOrgByName(db, idOrName))
  if (!org) throw new StoreError('not_found', `no org "${idOrName}"`)
  return org
}

export async function updateOrg(db: Db, idOrName: string, settings: OrgSettings, now = Date.now()): Promise<OrgRow> {
  const org = await requireOrg(db, idOrName)
  const patch = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined))
  await db.update(orgs).set({ ...patch, updatedAt: Math.max(now, org.updatedAt + 1) }).where(eq(orgs.id, org.id))
  return requireOrg(db, org.id)
}
