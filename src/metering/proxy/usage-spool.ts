// The usage spool: each batch of finished exchanges is appended here before the metering worker gets it, so a killed process loses almost none.
import { closeSync, fchmodSync, fdatasync, fstatSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writev, writevSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { localPathOf } from '../../db/client.ts'
import type { Logger } from '../../log.ts'
import { ensurePrivateDir } from '../../private-files.ts'
import { frameBatch } from '../protocol/spool-frame.ts'

export interface SpoolSettings {
  readonly path: string
  /** Active and sealed files together; past it batches are not spooled (they are still metered) and are counted. */
  readonly maxBytes: number
  /** fdatasync after every write: survives a machine crash too, at the price of one disk flush per write. */
  readonly fsync: boolean
  /** The active file is sealed and a fresh one started past this size (once the previous sealed file is gone). */
  readonly rotateBytes?: number
}

/** Beside a local database file; for a remote database in ./data (SOCIARO_SPOOL_PATH overrides, "off" disables). */
export function spoolPathFor(databaseUrl: string, setting: string | undefined): string | undefined {
  if (setting === 'off') return undefined
  if (setting) return resolve(setting)
  const local = localPathOf(databaseUrl)
  return local ? `${local}.spool` : resolve('data/usage.spool')
}

/** One spool file and how many rows of its batches the database has not stored yet. */
interface Segment {
  path: string
  fd: number
  /** What the path named when opened: a deleted or replaced file is noticed and a fresh one started. */
  ino: number
  size: number
  outstanding: number
}

interface QueuedBatch {
  readonly parts: Uint8Array[]
  readonly length: number
  readonly seq: number
  readonly jobCount: number
  readonly resolve: () => void
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Lock files held by spools of this process (two gateways in one process, as in tests, must not share one). */
const heldHere = new Set<string>()

/** Takes `lockPath` for this process; returns the pid of a live process (this one included) that holds it instead. */
function takeLock(lockPath: string): number | undefined {
  if (heldHere.has(lockPath)) return process.pid
  try {
    const fd = openSync(lockPath, 'wx', 0o600)
    try {
      writeFileSync(fd, String(process.pid))
    } finally {
      closeSync(fd)
    }
    heldHere.add(lockPath)
    return undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const owner = Number(readFileSync(lockPath, 'utf8').trim())
  // A lock left by a killed process (or by this pid in an earlier life, as in a container) is stale.
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) return owner
  writeFileSync(lockPath, String(process.pid), { mode: 0o600 })
  heldHere.add(lockPath)
  return undefined
}

function fileSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0
}

/**
 * A batch up to this size (tens of chat requests) is written synchronously into the page cache: tens
 * of µs, cheaper than a hop to the thread pool and back, which woke two threads per batch. Larger ones (big
 * bodies: images in base64) go to the thread pool, so that one never holds the proxy for milliseconds.
 */
const SYNC_WRITE_BYTES = 64 * 1024

/**
 * Small batches are written at once (SYNC_WRITE_BYTES, fsync off). Other appends run one at a time off this thread
 * (node:fs writev on the thread pool: a slow disk never stalls the proxy); batches that arrive meanwhile, small ones
 * too, go together in the next write. The metering worker gets a batch only once its write is done, so it cannot
 * report rows stored before they are in the file, and the file is only ever truncated or rotated between writes.
 */
export class UsageSpool {
  private active: Segment | undefined
  private sealed: Segment | undefined
  /** Batch sequence number → its file and its rows not yet stored. */
  private readonly batches = new Map<number, { segment: Segment; remaining: number }>()
  private queue: QueuedBatch[] = []
  private queuedBytes = 0
  private writing = false
  private readonly sealedPath: string
  private readonly lockPath: string
  private readonly rotateBytes: number
  private checkedAt = 0
  /** Jobs not spooled because the spool was full or a write failed: metered, but a crash would lose them. */
  unspooledJobs = 0

  private constructor(
    private readonly settings: SpoolSettings,
    private readonly log: Logger,
  ) {
    this.sealedPath = `${settings.path}.old`
    this.lockPath = `${settings.path}.lock`
    this.rotateBytes = settings.rotateBytes ?? 16 * 1024 * 1024
  }

  /** The spool for this process, or undefined (logged) when another running gateway owns this path. */
  static acquire(settings: SpoolSettings, log: Logger): UsageSpool | undefined {
    ensurePrivateDir(dirname(settings.path))
    const owner = takeLock(`${settings.path}.lock`)
    if (owner !== undefined) {
      log.error('the usage spool is in use by another running gateway: this one meters without crash safety; give each instance its own SOCIARO_SPOOL_PATH', {
        path: settings.path,
        owner,
      })
      return undefined
    }
    return new UsageSpool(settings, log)
  }

  /** Files a previous process left with batches in them, oldest first: the worker replays these before anything is appended. */
  leftovers(): string[] {
    return [this.sealedPath, this.settings.path].filter((path) => fileSize(path) > 0)
  }

  /** Once the replay stored every leftover row: removes them and opens a fresh active file. */
  start(): void {
    for (const path of [this.sealedPath, this.settings.path]) rmSync(path, { force: true })
    this.active = this.openActive()
  }

  private openActive(): Segment {
    const fd = openSync(this.settings.path, 'a', 0o600)
    fchmodSync(fd, 0o600)
    const stat = fstatSync(fd)
    return { path: this.settings.path, fd, ino: stat.ino, size: stat.size, outstanding: 0 }
  }

  /**
   * At most once a second, between writes: appends to a file someone deleted (a `rm sociaro.db*`) would protect
   * nothing, silently. Its batches are beyond saving; the ones after go to a fresh file.
   */
  private checkActiveFile(): void {
    const now = Date.now()
    if (now - this.checkedAt < 1_000) return
    this.checkedAt = now
    const active = this.active!
    const current = statSync(active.path, { throwIfNoEntry: false })
    if (current && current.ino === active.ino) return
    this.log.error('the usage spool file was deleted or replaced while in use: a fresh one is started; exchanges metered before now are not crash-safe', {
      path: active.path,
    })
    closeSync(active.fd)
    active.fd = -1
    // No longer active: its rows settle against nothing, and nothing truncates it.
    this.active = this.openActive()
  }

  get bytes(): number {
    return (this.active?.size ?? 0) + (this.sealed?.size ?? 0) + this.queuedBytes
  }

  /**
   * Writes batch `seq` (of `jobCount` jobs). Returns nothing when it is already in the file (a small batch, fsync off)
   * or was not spooled (full, or the write failed: logged, counted); else a promise that resolves once it is there.
   */
  append(seq: number, jobs: string, bytes: Uint8Array, jobCount: number): Promise<void> | undefined {
    if (!this.active) return undefined
    const parts = frameBatch(jobs, bytes)
    const length = parts[0].byteLength + parts[1].byteLength + parts[2].byteLength
    if (this.bytes + length > this.settings.maxBytes) {
      this.unspooled(jobCount, 'the usage spool is full (the database has not taken rows for a while): exchanges are metered but no longer crash-safe')
      return undefined
    }
    if (!this.writing && !this.settings.fsync && length <= SYNC_WRITE_BYTES) {
      this.writeNow(parts, length, seq, jobCount)
      return undefined
    }
    const { promise, resolve } = Promise.withResolvers<void>()
    this.queue.push({ parts, length, seq, jobCount, resolve })
    this.queuedBytes += length
    if (!this.writing) this.writeQueued()
    return promise
  }

  /** A small batch, with no write in flight: one writev on this thread. */
  private writeNow(parts: Uint8Array[], length: number, seq: number, jobCount: number): void {
    // Before the write: a batch that would go into a deleted file goes into the fresh one instead.
    this.checkActiveFile()
    const segment = this.active!
    let failure: string | undefined
    try {
      const written = writevSync(segment.fd, parts)
      if (written !== length) failure = `short write: ${written} of ${length} bytes`
    } catch (error) {
      failure = String(error)
    }
    if (failure !== undefined) {
      // Leave no torn record behind a failed write: the records after it would be unreadable.
      try {
        ftruncateSync(segment.fd, segment.size)
      } catch {}
      return this.unspooled(jobCount, 'usage spool write failed: these exchanges are metered but not crash-safe', { error: failure })
    }
    segment.size += length
    segment.outstanding += jobCount
    this.batches.set(seq, { segment, remaining: jobCount })
    if (segment.size >= this.rotateBytes && !this.sealed) this.rotate()
  }

  private writeQueued(): void {
    const segment = this.active
    const batch = this.queue
    if (batch.length === 0 || !segment) {
      this.writing = false
      if (segment && segment.outstanding === 0 && segment.size > 0) this.truncate(segment)
      return
    }
    this.writing = true
    this.queue = []
    const length = batch.reduce((sum, queued) => sum + queued.length, 0)
    writev(segment.fd, batch.flatMap((queued) => queued.parts), (error, written) => {
      if (error || written !== length) {
        // Leave no torn record behind a failed write: the records after it would be unreadable.
        try {
          ftruncateSync(segment.fd, segment.size)
        } catch {}
        this.queuedBytes -= length
        this.unspooled(
          batch.reduce((sum, queued) => sum + queued.jobCount, 0),
          'usage spool write failed: these exchanges are metered but not crash-safe',
          { error: error ? String(error) : `short write: ${written} of ${length} bytes` },
        )
        return this.finish(batch)
      }
      const stored = () => {
        this.queuedBytes -= length
        segment.size += length
        for (const queued of batch) {
          segment.outstanding += queued.jobCount
          this.batches.set(queued.seq, { segment, remaining: queued.jobCount })
        }
        if (segment.size >= this.rotateBytes && !this.sealed) this.rotate()
        this.finish(batch)
      }
      if (this.settings.fsync) fdatasync(segment.fd, stored)
      else stored()
    })
  }

  private finish(batch: readonly QueuedBatch[]): void {
    for (const queued of batch) queued.resolve()
    if (this.active) this.checkActiveFile()
    this.writeQueued()
  }

  private unspooled(jobCount: number, message: string, fields: Record<string, unknown> = {}): void {
    const before = this.unspooledJobs
    this.unspooledJobs += jobCount
    if (before === 0 || Math.floor(before / 1000) !== Math.floor(this.unspooledJobs / 1000)) {
      this.log.error(message, { ...fields, unspooledJobs: this.unspooledJobs, spoolBytes: this.bytes, path: this.settings.path })
    }
  }

  /** The active file becomes the sealed one (deleted once its rows are all stored) and a fresh active file starts. */
  private rotate(): void {
    const active = this.active!
    closeSync(active.fd)
    renameSync(active.path, this.sealedPath)
    active.path = this.sealedPath
    active.fd = -1
    this.sealed = active
    this.active = this.openActive()
    if (this.sealed.outstanding === 0) this.remove(this.sealed)
  }

  /** The worker stored (or gave up) `rows` rows of batch `seq`; a file whose rows are all stored is emptied. */
  settle(seq: number, rows: number): void {
    const entry = this.batches.get(seq)
    if (!entry) return
    entry.remaining -= rows
    if (entry.remaining <= 0) this.batches.delete(seq)
    const segment = entry.segment
    segment.outstanding -= rows
    if (segment.outstanding > 0) return
    if (segment === this.sealed) this.remove(segment)
    // Never under a write in progress: writeQueued truncates when it finds the file idle and fully stored.
    else if (segment === this.active && !this.writing && segment.size > 0) this.truncate(segment)
  }

  private truncate(segment: Segment): void {
    ftruncateSync(segment.fd, 0)
    segment.size = 0
  }

  private remove(segment: Segment): void {
    rmSync(segment.path, { force: true })
    this.sealed = undefined
  }

  /** Resolves when no write is queued or running. */
  async idle(): Promise<void> {
    while (this.writing || this.queue.length > 0) await Bun.sleep(1)
  }

  /** Stops appending and releases the lock. `stored`: every row reached the database, so the files go too; else they stay for the next start. */
  close(stored: boolean): void {
    if (this.active) closeSync(this.active.fd)
    this.active = undefined
    if (stored) for (const path of [this.settings.path, this.sealedPath]) rmSync(path, { force: true })
    rmSync(this.lockPath, { force: true })
    heldHere.delete(this.lockPath)
  }
}
