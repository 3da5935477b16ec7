// Asks the database for a write transaction without changing a row: fails when it is locked, read-only or gone.
import type { Client } from '@libsql/client'

/**
 * A write batch (BEGIN IMMEDIATE … COMMIT) around an UPDATE that matches nothing: it takes the write lock as a real
 * write would, and commits nothing. Not an empty batch: after a failed statement, libsql leaves an empty write batch
 * failing ("cannot commit transaction - SQL statements in progress") on every later attempt.
 */
const PROBE = 'UPDATE usage_rollups SET requests = requests WHERE 0'

/** Undefined when the database took the write, else why not. */
export async function probeWrite(client: Client): Promise<string | undefined> {
  try {
    await client.batch([PROBE], 'write')
    return undefined
  } catch (error) {
    return `the database does not take writes: ${String((error as Error).message ?? error)}`
  }
}
