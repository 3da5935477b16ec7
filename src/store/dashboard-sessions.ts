// Server-side dashboard sessions: created at sign-in, found by the SHA-256 of the cookie's token, revoked at sign-out or when a user is disabled.
import { and, eq, isNull, lt } from 'drizzle-orm'
import { randomBase62 } from '../auth/key-format.ts'
import type { Db } from '../db/client.ts'
import { dashboardSessions, type DashboardSessionRow } from '../db/schema.ts'
import { sha256Hex } from './dashboard-users.ts'

export async function createSession(
  db: Db,
  owner: { orgId: string; userId: string | null; keyId: string | null },
  now: number,
  ttlMs: number,
): Promise<{ token: string; row: DashboardSessionRow }> {
  const token = randomBase62(43)
  const row: DashboardSessionRow = { tokenHash: sha256Hex(token), ...owner, csrfToken: randomBase62(32), createdAt: now, expiresAt: now + ttlMs, revokedAt: null }
  // Expired sessions are useless: dropping them here keeps the table as small as the live ones.
  await db.delete(dashboardSessions).where(lt(dashboardSessions.expiresAt, now))
  await db.insert(dashboardSessions).values(row)
  return { token, row }
}

/** The live session for a cookie token (undefined: unknown, expired or revoked). */
export async function findLiveSession(db: Db, token: string, now: number): Promise<DashboardSessionRow | undefined> {
  const row = (await db.select().from(dashboardSessions).where(eq(dashboardSessions.tokenHash, sha256Hex(token))).limit(1))[0]
  return row && row.revokedAt === null && row.expiresAt > now ? row : undefined
}

export async function revokeSession(db: Db, token: string, now: number): Promise<void> {
  await db.update(dashboardSessions).set({ revokedAt: now }).where(and(eq(dashboardSessions.tokenHash, sha256Hex(token)), isNull(dashboardSessions.revokedAt)))
}

export async function revokeUserSessions(db: Db, userId: string, now: number): Promise<void> {
  await db.update(dashboardSessions).set({ revokedAt: now }).where(and(eq(dashboardSessions.userId, userId), isNull(dashboardSessions.revokedAt)))
}
