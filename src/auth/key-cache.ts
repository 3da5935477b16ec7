// In-memory view of keys and orgs for the hot path; refreshed by polling `updated_at`, written to directly by the admin API.
import type { Client } from '@libsql/client'
import { gte } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { apiKeys, orgs, type ApiKeyRow, type OrgRow } from '../db/schema.ts'
import { hashKeySecret } from './key-format.ts'
import { writeLastUsed, type LastUsedEntries } from './last-used.ts'
import { compileAllowlist, type ModelMatcher } from './model-allowlist.ts'

export interface CachedKey {
  readonly row: ApiKeyRow
  readonly allows: ModelMatcher
}

export type KeyCheck =
  | { ok: true; key: CachedKey; org: OrgRow }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' }

/** Rows edited by a process whose clock runs slightly behind ours are still picked up. */
const CLOCK_SKEW_MS = 60_000

export class KeyCache {
  private byHash = new Map<string, CachedKey>()
  private hashById = new Map<string, string>()
  private orgsById = new Map<string, OrgRow>()
  private watermark = 0
  private lastUsed = new Map<string, number>()
  private listeners: ((key: ApiKeyRow | undefined, org: OrgRow | undefined) => void)[] = []

  constructor(
    private readonly db: Db,
    private readonly client: Client,
    /** A provider id or alias to its id, so an allowlist naming an alias matches that provider's requests. */
    private readonly canonicalProvider: (name: string) => string | undefined = () => undefined,
  ) {}

  /** Hot path: one SHA-256 and two map lookups. */
  check(secret: string, now: number): KeyCheck {
    const key = this.byHash.get(hashKeySecret(secret))
    if (!key) return { ok: false, reason: 'unknown' }
    if (key.row.status !== 'active') return { ok: false, reason: 'revoked' }
    if (key.row.expiresAt !== null && key.row.expiresAt <= now) return { ok: false, reason: 'expired' }
    const org = this.orgsById.get(key.row.orgId)
    if (!org) return { ok: false, reason: 'unknown' }
    return { ok: true, key, org }
  }

  keyById(id: string): CachedKey | undefined {
    const hash = this.hashById.get(id)
    return hash === undefined ? undefined : this.byHash.get(hash)
  }

  org(id: string): OrgRow | undefined {
    return this.orgsById.get(id)
  }

  allKeys(): IterableIterator<CachedKey> {
    return this.byHash.values()
  }

  /** Hot path: how many organizations exist (isolation between them matters once there are two). */
  orgCount(): number {
    return this.orgsById.size
  }

  allOrgs(): IterableIterator<OrgRow> {
    return this.orgsById.values()
  }

  /** Called for every key or org row that changes (limits follow their configuration through this). */
  onChange(listener: (key: ApiKeyRow | undefined, org: OrgRow | undefined) => void): void {
    this.listeners.push(listener)
  }

  putKey(row: ApiKeyRow): void {
    const previousHash = this.hashById.get(row.id)
    if (previousHash && previousHash !== row.keyHash) this.byHash.delete(previousHash)
    this.byHash.set(row.keyHash, { row, allows: compileAllowlist(JSON.parse(row.models) as string[], this.canonicalProvider) })
    this.hashById.set(row.id, row.keyHash)
    this.watermark = Math.max(this.watermark, row.updatedAt)
    for (const listener of this.listeners) listener(row, undefined)
  }

  putOrg(row: OrgRow): void {
    this.orgsById.set(row.id, row)
    this.watermark = Math.max(this.watermark, row.updatedAt)
    for (const listener of this.listeners) listener(undefined, row)
  }

  /** Loads everything changed since the watermark (everything, the first time). */
  async refresh(): Promise<void> {
    const since = this.watermark === 0 ? 0 : this.watermark - CLOCK_SKEW_MS
    const [orgRows, keyRows] = await Promise.all([
      this.db.select().from(orgs).where(gte(orgs.updatedAt, since)),
      this.db.select().from(apiKeys).where(gte(apiKeys.updatedAt, since)),
    ])
    for (const row of orgRows) {
      const known = this.orgsById.get(row.id)
      if (!known || known.updatedAt !== row.updatedAt) this.putOrg(row)
    }
    for (const row of keyRows) {
      const known = this.byHash.get(row.keyHash)
      if (!known || known.row.updatedAt !== row.updatedAt || known.row.status !== row.status) this.putKey(row)
    }
  }

  /** Coalesced: the hot path only records a timestamp; `flushLastUsed` writes them in one go. */
  markUsed(keyId: string, now: number): void {
    this.lastUsed.set(keyId, now)
  }

  /** Hands over the timestamps recorded since the last call (for a writer on another thread). */
  takeLastUsed(): LastUsedEntries {
    const batch = [...this.lastUsed]
    this.lastUsed.clear()
    return batch
  }

  /** Writes them from this thread: for when no metering worker runs (it would otherwise hold the write lock). */
  flushLastUsed(): Promise<void> {
    return writeLastUsed(this.client, this.takeLastUsed())
  }
}
