// Who owns which provider object: a bounded in-memory cache over the provider_objects table, and its ordered writer.
import type { Client } from '@libsql/client'
import type { Logger } from '../log.ts'
import type { JobObserved, JobSubmitted } from '../types/ledger-write.ts'
import { countObjects, findObject, listObjects, recentObjects, type LedgerWrite, type ListedObject, type ListQuery, type StoredOwner } from './ledger-store.ts'

export interface ObjectLedgerOptions {
  readonly client: Client
  /** Writes a batch in one transaction (on the metering worker when it runs); rejects when it failed. */
  readonly persist: (writes: LedgerWrite[]) => Promise<void>
  readonly log: Logger
  readonly now?: () => number
  /** Owners kept in memory; older ones are read again from the table by primary key. */
  readonly maxCached?: number
}

const DEFAULT_MAX_CACHED = 100_000
const RETRY_MIN_MS = 500
const RETRY_MAX_MS = 30_000
/** A listing waits this long for this process's own writes to land before it reads the table. */
const LIST_SETTLE_MS = 5_000

const keyOf = (provider: string, objectId: string) => `${provider}\u0000${objectId}`

export class ObjectLedger {
  /** Insertion-ordered: a hit moves the entry to the end, the front is evicted first. */
  private cache = new Map<string, StoredOwner>()
  /** Owners whose rows are not written yet: never evicted, since the table cannot answer for them. */
  private unwritten = new Map<string, StoredOwner>()
  private queue: LedgerWrite[] = []
  private writing: Promise<void> | undefined
  private retryMs = RETRY_MIN_MS
  private lastCreatedAt = 0
  private closed = false
  private idleWaiters: (() => void)[] = []
  private readonly now: () => number
  private readonly maxCached: number

  constructor(private readonly options: ObjectLedgerOptions) {
    this.now = options.now ?? Date.now
    this.maxCached = options.maxCached ?? DEFAULT_MAX_CACHED
  }

  /** Loads the newest owners, so recent objects are answered without a lookup after a restart. */
  async warm(): Promise<void> {
    const rows = await recentObjects(this.options.client, this.maxCached)
    for (const [provider, objectId, owner] of rows.reverse()) this.remember(keyOf(provider, objectId), owner)
  }

  private remember(key: string, owner: StoredOwner): void {
    this.cache.delete(key)
    this.cache.set(key, owner)
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!)
  }

  /** Memory only: the owner, or undefined when this process does not know (then `owner` asks the table). */
  known(provider: string, objectId: string): StoredOwner | undefined {
    const key = keyOf(provider, objectId)
    return this.unwritten.get(key) ?? this.cache.get(key)
  }

  /** Memory, then one primary-key read (objects created by another instance sharing the database). */
  async owner(provider: string, objectId: string): Promise<StoredOwner | undefined> {
    const known = this.known(provider, objectId)
    if (known) return known
    const stored = await findObject(this.options.client, provider, objectId)
    if (stored) this.remember(keyOf(provider, objectId), stored)
    return stored
  }

  /** Synchronous in memory (the client's next request is scoped at once); the row follows off the request path. */
  recordCreated(entry: { provider: string; objectId: string; kind: string; orgId: string; keyId: string; requestId: string; status: string | null; snapshot: string | null; batchInput?: string }): void {
    const key = keyOf(entry.provider, entry.objectId)
    if (this.known(entry.provider, entry.objectId)) return
    // Strictly increasing within a process, so objects created in one millisecond still list in creation order.
    const at = Math.max(this.now(), this.lastCreatedAt + 1)
    this.lastCreatedAt = at
    const owner: StoredOwner = { kind: entry.kind, orgId: entry.orgId, keyId: entry.keyId, createdAt: at, deleted: false, ...(entry.batchInput ? { batchInput: entry.batchInput } : {}) }
    this.unwritten.set(key, owner)
    this.remember(key, owner)
    this.enqueue({ op: 'create', ...entry, at })
  }

  recordDeleted(provider: string, objectId: string): void {
    const key = keyOf(provider, objectId)
    const known = this.known(provider, objectId)
    if (known) {
      const deleted = { ...known, deleted: true }
      if (this.unwritten.has(key)) this.unwritten.set(key, deleted)
      this.remember(key, deleted)
    }
    this.enqueue({ op: 'delete', provider, objectId, at: this.now() })
  }

  recordRefreshed(provider: string, objectId: string, status: string | null, snapshot: string | null): void {
    this.enqueue({ op: 'refresh', provider, objectId, at: this.now(), status, snapshot })
  }

  /** A job's row (src/jobs/), after its object's: written in the same ordered queue, so its polls always find it. */
  recordJobSubmitted(entry: Omit<JobSubmitted, 'op' | 'at'> & { at?: number }): void {
    this.enqueue({ op: 'job-submit', ...entry, at: entry.at ?? this.now() })
  }

  /** What an answer said of a job; the worker settles the job at the first sight of its end. */
  recordJobObserved(entry: Omit<JobObserved, 'op' | 'at'> & { at?: number }): void {
    this.enqueue({ op: 'job-observe', ...entry, at: entry.at ?? this.now() })
  }

  /** The ledger's clock (the jobs' times come from it too). */
  time(): number {
    return this.now()
  }

  private enqueue(write: LedgerWrite): void {
    this.queue.push(write)
    this.writing ??= this.drainQueue()
  }

  /** One batch at a time, in order; a failed batch is retried with backoff, never dropped. */
  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue
      this.queue = []
      try {
        await this.options.persist(batch)
        this.retryMs = RETRY_MIN_MS
        for (const write of batch) if (write.op === 'create') this.unwritten.delete(keyOf(write.provider, write.objectId))
      } catch (error) {
        this.options.log.error('object ledger write failed; retrying', { error: String(error), writes: batch.length, retryMs: this.retryMs })
        this.queue = [...batch, ...this.queue]
        await Bun.sleep(this.retryMs)
        this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2)
      }
    }
    this.writing = undefined
    for (const waiter of this.idleWaiters.splice(0)) waiter()
  }

  /** Resolves when every write so far is in the table (or after `timeoutMs`, false). */
  async settled(timeoutMs: number): Promise<boolean> {
    if (!this.writing) return true
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    return Promise.race([idle.then(() => true), Bun.sleep(timeoutMs).then(() => false)])
  }

  /** An org's live objects of one kind, newest first, read after this process's own writes landed. */
  async list(query: Omit<ListQuery, 'before'> & { afterId?: string }): Promise<{ rows: ListedObject[]; total?: number }> {
    if (!(await this.settled(LIST_SETTLE_MS))) this.options.log.warn('object listing answered before the ledger writes landed', { pending: this.queue.length })
    let before: ListQuery['before']
    if (query.afterId !== undefined) {
      const cursor = await this.owner(query.provider, query.afterId)
      // A cursor the org does not own lists nothing rather than revealing where it sits.
      if (!cursor || cursor.orgId !== query.orgId) return { rows: [] }
      before = { createdAt: cursor.createdAt, objectId: query.afterId }
    }
    const rows = await listObjects(this.options.client, { ...query, ...(before ? { before } : {}) })
    return { rows }
  }

  count(query: Pick<ListQuery, 'provider' | 'kind' | 'orgId'>): Promise<number> {
    return countObjects(this.options.client, query)
  }

  /** At shutdown, after `settled`: a write still failing then is given up (and was logged). */
  close(): void {
    this.closed = true
  }

  get pendingWrites(): number {
    return this.queue.length + this.unwritten.size
  }
}
