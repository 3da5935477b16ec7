// Writes keys' last-used times, from whichever thread owns the writes (the metering worker, or the proxy thread without one).
import type { Client } from '@libsql/client'

export type LastUsedEntries = [keyId: string, at: number][]

/** max(): with several instances sharing the database, an older timestamp never overwrites a newer one. */
export async function writeLastUsed(client: Client, entries: LastUsedEntries): Promise<void> {
  if (entries.length === 0) return
  const statements = entries.map(([id, at]) => ({ sql: 'UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?', args: [at, id] }))
  await client.batch(statements, 'write')
}
