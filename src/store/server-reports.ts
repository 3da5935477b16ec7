// What a server reports about itself in the database (address, version, which providers its environment credentials),
// so the CLI in another shell, with another environment, can tell where each provider's credential comes from.
import { hostname } from 'node:os'
import { and, desc, eq, isNotNull, lt } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { serverReports } from '../db/schema.ts'

export interface ReportedProvider {
  readonly id: string
  readonly base_url: string
  /** Whether SOCIARO_<ID>_API_KEY was set for the server; the value itself never leaves the process. */
  readonly env_credential: boolean
}

export interface ServerReport {
  readonly instance: string
  readonly hostname: string
  readonly url: string
  readonly pid: number
  readonly version: string
  readonly providers: readonly ReportedProvider[]
  readonly startedAt: number
  readonly stoppedAt: number | null
}

/** Reports of servers stopped this long ago are dropped at the next start, so the table stays a handful of rows. */
const KEEP_STOPPED_MS = 30 * 86_400_000

export async function reportServerStarted(
  db: Db,
  server: { url: string; version: string; providers: readonly ReportedProvider[] },
  now = Date.now(),
): Promise<string> {
  const host = hostname()
  const instance = `${host} ${server.url}`
  const row = { instance, hostname: host, url: server.url, pid: process.pid, version: server.version, providers: JSON.stringify(server.providers), startedAt: now, stoppedAt: null }
  await db.delete(serverReports).where(and(isNotNull(serverReports.stoppedAt), lt(serverReports.stoppedAt, now - KEEP_STOPPED_MS)))
  await db.insert(serverReports).values(row).onConflictDoUpdate({ target: serverReports.instance, set: row })
  return instance
}

export async function reportServerStopped(db: Db, instance: string, now = Date.now()): Promise<void> {
  await db.update(serverReports).set({ stoppedAt: now }).where(eq(serverReports.instance, instance))
}

/** Newest start first. */
export async function listServerReports(db: Db): Promise<ServerReport[]> {
  const rows = await db.select().from(serverReports).orderBy(desc(serverReports.startedAt))
  return rows.map((row) => ({ ...row, providers: parseProviders(row.providers) }))
}

function parseProviders(text: string): ReportedProvider[] {
  try {
    const value = JSON.parse(text) as unknown
    return Array.isArray(value) ? (value as ReportedProvider[]) : []
  } catch {
    return []
  }
}
