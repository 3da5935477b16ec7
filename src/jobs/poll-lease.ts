// A named lease row shared by every instance on one database: only its holder runs the loop it guards, until it lapses.
import type { Client } from '@libsql/client'

/** Takes or renews `name` for `holder` until `now + ttlMs`; true when `holder` holds it now. */
export async function holdLease(client: Client, name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
  const result = await client.execute({
    sql: `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
    args: [name, holder, now + ttlMs, now],
  })
  return result.rowsAffected === 1
}

/** Gives the lease up at shutdown, so another instance takes over at its next tick rather than after the lease lapses. */
export async function releaseLease(client: Client, name: string, holder: string): Promise<void> {
  await client.execute({ sql: 'DELETE FROM leases WHERE name = ? AND holder = ?', args: [name, holder] })
}
