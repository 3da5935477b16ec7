// Reads usage rows straight from a test gateway's database, waiting for the background writer.
import { createClient } from '@libsql/client'

export type UsageRow = Record<string, unknown>

export async function waitForUsageRow(dbUrl: string, requestId: string, timeoutMs = 8000): Promise<UsageRow> {
  const client = createClient({ url: dbUrl })
  try {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const result = await client.execute({ sql: 'SELECT * FROM usage_events WHERE request_id = ?', args: [requestId] })
      if (result.rows[0]) return result.rows[0] as unknown as UsageRow
      if (Date.now() > deadline) throw new Error(`no usage row for ${requestId} after ${timeoutMs} ms`)
      await Bun.sleep(50)
    }
  } finally {
    client.close()
  }
}

export async function queryRows(dbUrl: string, sql: string, args: (string | number)[] = []): Promise<UsageRow[]> {
  const client = createClient({ url: dbUrl })
  try {
    return (await client.execute({ sql, args })).rows as unknown as UsageRow[]
  } finally {
    client.close()
  }
}
