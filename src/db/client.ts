// Opens the libSQL database (local file or remote sqld/Turso) and wraps it in Drizzle.
import { resolve } from 'node:path'
import { createClient, type Client } from '@libsql/client'
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql'
import { createPrivateFile, exposedModeOf } from '../private-files.ts'
import { fileIdentity, type FileIdentity } from './file-identity.ts'
import * as schema from './schema.ts'

export type Db = LibSQLDatabase<typeof schema>

/** How long a local write waits for another thread's write transaction before it fails with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000

export interface Database {
  readonly db: Db
  readonly client: Client
  readonly isLocalFile: boolean
  /** The local file's path and what it was when opened: a later check tells whether it was deleted or replaced. */
  readonly file?: { readonly path: string; readonly identity: FileIdentity }
  /** Set when an existing local file (made before this version, or by hand) is readable by group or others. */
  readonly exposedMode?: number
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
  // Keys, credentials and usage live here: a new file is 0600 (in a 0700 folder, if we make it) before libSQL opens
  // it, and SQLite gives its -wal and -shm files the database file's mode. An existing file's mode is the owner's call.
  const created = localPath ? createPrivateFile(localPath) : false
  const exposedMode = localPath && !created ? exposedModeOf(localPath) : undefined
  // A local client pools connections and a PRAGMA reaches only the one it ran on. Calls are synchronous underneath,
  // so one connection costs nothing, and with it the settings below hold for every call; `timeout` is the busy
  // timeout that rides out the metering worker's (another thread's) writes instead of failing with SQLITE_BUSY.
  const client = createClient({
    url: localPath ? `file:${localPath}` : url,
    ...(authToken ? { authToken } : {}),
    ...(localPath ? { concurrency: 1, timeout: BUSY_TIMEOUT_MS } : {}),
  })
  if (localPath) {
    // WAL lets the metering worker write while the main thread reads.
    await client.execute('PRAGMA journal_mode = WAL')
    await client.execute('PRAGMA synchronous = NORMAL')
    await client.execute('PRAGMA foreign_keys = ON')
  }
  const identity = localPath ? fileIdentity(localPath) : undefined
  return {
    db: drizzle(client, { schema }),
    client,
    isLocalFile: localPath !== undefined,
    ...(localPath && identity ? { file: { path: localPath, identity } } : {}),
    ...(exposedMode !== undefined ? { exposedMode } : {}),
    close: () => client.close(),
  }
}
