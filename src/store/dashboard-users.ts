// Dashboard user records and their one-time invites: create, find, list, disable, set a password.
import { and, asc, eq, isNull } from 'drizzle-orm'
import { createHash } from 'node:crypto'
import { randomBase62 } from '../auth/key-format.ts'
import type { Db } from '../db/client.ts'
import { dashboardInvites, dashboardUsers, type DashboardUserRow } from '../db/schema.ts'
import { StoreError } from './orgs.ts'

export type DashboardRole = 'viewer' | 'admin'

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex')

export async function insertDashboardUser(
  db: Db,
  user: { orgId: string; email: string; role: DashboardRole; passwordHash: string | null },
  now: number,
): Promise<DashboardUserRow> {
  if (await findDashboardUserByEmail(db, user.email)) throw new StoreError('conflict', `a dashboard user "${user.email}" already exists`)
  const row: DashboardUserRow = { id: `usr_${randomBase62(16)}`, ...user, createdAt: now, disabledAt: null }
  await db.insert(dashboardUsers).values(row)
  return row
}

export async function findDashboardUserByEmail(db: Db, email: string): Promise<DashboardUserRow | undefined> {
  return (await db.select().from(dashboardUsers).where(eq(dashboardUsers.email, email)).limit(1))[0]
}

export async function findDashboardUser(db: Db, id: string): Promise<DashboardUserRow | undefined> {
  return (await db.select().from(dashboardUsers).where(eq(dashboardUsers.id, id)).limit(1))[0]
}

export async function requireDashboardUser(db: Db, id: string): Promise<DashboardUserRow> {
  const row = await findDashboardUser(db, id)
  if (!row) throw new StoreError('not_found', `no dashboard user "${id}"`)
  return row
}

export async function listDashboardUsers(db: Db, orgId?: string): Promise<DashboardUserRow[]> {
  const query = db.select().from(dashboardUsers)
  return (orgId ? query.where(eq(dashboardUsers.orgId, orgId)) : query).orderBy(asc(dashboardUsers.createdAt))
}

export async function disableDashboardUser(db: Db, id: string, now: number): Promise<DashboardUserRow> {
  await requireDashboardUser(db, id)
  await db.update(dashboardUsers).set({ disabledAt: now }).where(and(eq(dashboardUsers.id, id), isNull(dashboardUsers.disabledAt)))
  return requireDashboardUser(db, id)
}

/** A new invite's token in the clear (returned once); the store keeps its hash. */
export async function createInvite(db: Db, userId: string, expiresAt: number): Promise<string> {
  const token = randomBase62(32)
  await db.insert(dashboardInvites).values({ tokenHash: sha256Hex(token), userId, expiresAt, usedAt: null })
  return token
}

/**
 * Spends an invite and sets the password in one transaction: a token works once, before it expires, for a user
 * still enabled; anything else is the same "invalid or expired" answer.
 */
export async function acceptInvite(db: Db, token: string, passwordHash: string, now: number): Promise<DashboardUserRow> {
  const refused = new StoreError('invalid', 'this invite link is invalid, used or expired')
  return db.transaction(async (tx) => {
    const invite = (await tx.select().from(dashboardInvites).where(eq(dashboardInvites.tokenHash, sha256Hex(token))).limit(1))[0]
    if (!invite || invite.usedAt !== null || invite.expiresAt <= now) throw refused
    const user = (await tx.select().from(dashboardUsers).where(eq(dashboardUsers.id, invite.userId)).limit(1))[0]
    if (!user || user.disabledAt !== null) throw refused
    await tx.update(dashboardInvites).set({ usedAt: now }).where(eq(dashboardInvites.tokenHash, invite.tokenHash))
    await tx.update(dashboardUsers).set({ passwordHash }).where(eq(dashboardUsers.id, user.id))
    return { ...user, passwordHash }
  })
}
