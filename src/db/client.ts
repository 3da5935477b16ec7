// Opens the libSQL database (local file or remote sqld/Turso) and wraps it in Drizzle.
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { createClient, type Client } from '@libsql/client'
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql'
import * as schema from './schema.ts'

export type Db = LibSQLDatabase<typeof schema>

export interface Database {
  readonly db: Db
  readonly client: Client
  readonly isLocalFile: boolean
  close(): void
}

/** The filesystem path of a `file:` URL, or undefined for a remote database. */
export function localPathOf(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined
  const path = url.slice('file:'.length).replace(/\?.*$/, '')
  return resolve(path.startsWith('//') ? path.slice(2) : path)
}

export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  const localPath = localPathOf(url)
  if (localPath) mkdirSync(dirname(localPath), { recursive: true })
  // A local client pools connections and a PRAGMA reaches only the one it ran on. Calls are synchronous underneath,
  // so one connection costs nothing, and with it the settings below hold for every call; `timeout` is the busy
  // timeout that rides out the metering worker's (another thread's) writes instead of failing with SQLITE_BUSY.
  const client = createClient({
    url: localPath ? `file:${localPath}` : url,
    ...(authToken ? { authToken } : {}),
    ...(localPath ? { concurrency: 1, timeout: 5_000 } : {}),
  })
  if (localPath) {
    // WAL lets the metering worker write while the main thread reads.
    await client.execute('PRAGMA journal_mode = WAL')
    await client.execute('PRAGMA synchronous = NORMAL')
    await client.execute('PRAGMA foreign_keys = ON')
  }
  return { db: drizzle(client, { schema }), client, isLocalFile: localPath !== undefined, close: () => client.close() }
}
