// A bounded in-memory cache of live dashboard sessions by token hash: a page's burst of reads costs one lookup, and revoke, expiry, sign-out and org/key/user changes drop entries at once.

/** What a cached session was built from: enough to tell, without the database, that it no longer holds. */
/** The scope a cached session has: what the change events are matched against. */
export interface SessionScope {
  readonly orgId: string
  readonly keyId: string | null
}

export interface CachedSession<S extends SessionScope = SessionScope> {
  readonly session: S
  readonly userId: string | null
  /** The session's own end, ms. */
  readonly expiresAt: number
  /** A key holder's key expiry (null: none or not a key holder). */
  readonly keyExpiresAt: number | null
  /** When the entry was read from the database: past `maxAgeMs`, it is read again. */
  readonly loadedAt: number
}

export interface SessionCacheOptions {
  /** Default 10 000 sessions. */
  readonly maxEntries?: number
  /**
   * Default 5 s. Changes made in this process (sign-out, a disabled user, a revoked key, an org change) drop entries
   * at once through the change events; this bound is for changes made by another process on the same database
   * (the CLI's `users disable`, another instance), which no event here announces.
   */
  readonly maxAgeMs?: number
}

export class SessionCache<S extends SessionScope = SessionScope> {
  private readonly entries = new Map<string, CachedSession<S>>()
  private readonly maxEntries: number
  private readonly maxAgeMs: number

  constructor(options: SessionCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000)
    this.maxAgeMs = Math.max(0, options.maxAgeMs ?? 5_000)
  }

  get size(): number {
    return this.entries.size
  }

  /** The cached session while it still holds at `now`; an entry that has ended or aged out is dropped. */
  get(tokenHash: string, now: number): S | undefined {
    const entry = this.entries.get(tokenHash)
    if (!entry) return undefined
    if (entry.expiresAt <= now || (entry.keyExpiresAt !== null && entry.keyExpiresAt <= now) || now - entry.loadedAt >= this.maxAgeMs || now < entry.loadedAt) {
      this.entries.delete(tokenHash)
      return undefined
    }
    // Most recently used last: the first entry is the one evicted.
    this.entries.delete(tokenHash)
    this.entries.set(tokenHash, entry)
    return entry.session
  }

  set(tokenHash: string, entry: CachedSession<S>): void {
    this.entries.delete(tokenHash)
    this.entries.set(tokenHash, entry)
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }

  delete(tokenHash: string): void {
    this.entries.delete(tokenHash)
  }

  /** Drops every entry `matches` selects (a user's, a key's or an org's sessions). Linear, but only on admin changes. */
  drop(matches: (entry: CachedSession<S>) => boolean): void {
    for (const [hash, entry] of this.entries) if (matches(entry)) this.entries.delete(hash)
  }
}
