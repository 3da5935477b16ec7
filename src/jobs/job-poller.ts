// The background poller: follows the jobs nobody polls, on one instance at a time (a lease row), off the request path.
import type { Client } from '@libsql/client'
import type { ResolvedProvider } from '../config.ts'
import type { Logger } from '../log.ts'
import type { JobResults } from '../types/ledger-write.ts'
import type { JobReading, JobRules } from '../types/jobs.ts'
import { readStreamedAnswer, type ByteReader } from './inline-results.ts'
import { parseWithinBudget } from '../wire/json-budget.ts'
import { observed, type JobRecorder } from './job-answers.ts'
import { jobFromRow, type StoredJob } from './job-store.ts'
import { isTerminal } from './job-status.ts'
import { resultTally } from '../providers/dialects/batch-results.ts'
import type { JobPollWrite } from '../types/job-poll-write.ts'

/** A poll answer is a small JSON object; anything longer is not read. */
const MAX_ANSWER_BYTES = 1024 * 1024
const POLL_TIMEOUT_MS = 30_000
/** A batch's output file may be hundreds of MB: read as a stream, one bounded line at a time. */
const RESULTS_TIMEOUT_MS = 10 * 60_000
const MAX_RESULT_LINE_BYTES = 4 * 1024 * 1024
const MAX_RESULT_LINES = 200_000
const DUE_PER_TICK = 100
/** Inline results (Gemini): the whole answer, what is left without them, and each result, bounded. */
const INLINE_LIMITS = { maxAnswerBytes: 256 * 1024 * 1024, maxSkeletonBytes: MAX_ANSWER_BYTES, maxEntryBytes: MAX_RESULT_LINE_BYTES, maxEntries: MAX_RESULT_LINES }

export interface JobPollerOptions {
  /** Reads (due jobs) on this thread's connection. */
  readonly client: Client
  /** Writes (lease, claims, error counts) where the database's writes are made: the metering worker (src/jobs/poll-writes.ts). */
  readonly write: (write: JobPollWrite) => Promise<number>
  /** The provider served under this id, if any. */
  readonly provider: (id: string) => ResolvedProvider | undefined
  /** The credential this instance holds for the provider now, and its reference (src/jobs/credential-ref.ts). */
  readonly credential: (provider: ResolvedProvider) => { readonly secret: string | undefined; readonly ref: string }
  /** Where observations go: the object ledger's ordered writes (the metering worker settles them). */
  readonly recorder: JobRecorder
  readonly log: Logger
  readonly now: () => number
  /** This instance's name in the lease row. */
  readonly holder: string
  /** The first look and the base of the backoff. */
  readonly intervalMs: number
  readonly maxIntervalMs: number
  /** 0 ≤ x < 1, for the jitter (default Math.random). */
  readonly random?: () => number
}

export interface JobPollerStats {
  /** Polls sent upstream by this instance. */
  polls: number
  /** Polls that failed (network, non-2xx, unreadable answer, an upstream or credential no longer configured). */
  pollErrors: number
  /** Whether this instance held the lease at its last tick. */
  holdsLease: boolean
  /** The same two counts per provider id, for the labelled series. */
  readonly byProvider: Map<string, { polls: number; pollErrors: number }>
}

/** The next look: the interval doubled per attempt up to the ceiling, ±20 % jitter so jobs made together spread out. */
export function nextPollDelay(attempts: number, intervalMs: number, maxIntervalMs: number, random: number): number {
  const base = Math.min(maxIntervalMs, intervalMs * 2 ** Math.min(attempts, 20))
  return Math.max(1, Math.round(base * (0.8 + 0.4 * random)))
}

/** Reads a body up to `limit` bytes: all of it (complete), or its first chunks past the limit with the reader left open. */
async function readHead(reader: ByteReader, limit: number): Promise<{ parts: Uint8Array[]; complete: boolean }> {
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { parts, complete: true }
    parts.push(value)
    size += value.byteLength
    if (size > limit) return { parts, complete: false }
  }
}

export class JobPoller {
  readonly stats: JobPollerStats = { polls: 0, pollErrors: 0, holdsLease: false, byProvider: new Map() }
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private failing = false
  private readonly random: () => number
  /** When each provider may be polled next (its gentle rate). */
  private readonly nextSlot = new Map<string, number>()

  constructor(private readonly options: JobPollerOptions) {
    this.random = options.random ?? Math.random
  }

  /** How often it looks for due jobs: the interval, but at least every 5 s so a short backoff is kept. */
  private get tickMs(): number {
    return Math.min(this.options.intervalMs, 5_000)
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return
      this.running = this.tick()
        .then(() => {
          if (this.failing) this.options.log.info('job poller works again')
          this.failing = false
        })
        .catch((error) => {
          // Once per failing streak (a database away for minutes would otherwise log every round).
          if (!this.failing) this.options.log.warn('job poller round failed; retrying every round', { error: String(error) })
          this.failing = true
        })
        .finally(() => {
          this.running = undefined
          if (!this.stopped) this.timer = setTimeout(loop, this.tickMs)
        })
    }
    // The first round after one interval: a new job is not due before that anyway.
    this.timer = setTimeout(loop, this.options.intervalMs)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
    if (this.stats.holdsLease) await this.options.write({ op: 'release', holder: this.options.holder }).catch(() => {})
  }

  /** One round: take or keep the lease, then poll every due job (each claimed first, so no two instances poll one slot). */
  async tick(): Promise<number> {
    const { client, now } = this.options
    const at = now()
    this.stats.holdsLease = (await this.options.write({ op: 'lease', holder: this.options.holder, now: at, ttlMs: Math.max(3 * this.tickMs, 15_000) })) === 1
    if (!this.stats.holdsLease) return 0
    const due = await client.execute({
      sql: 'SELECT * FROM jobs WHERE next_poll_at IS NOT NULL AND next_poll_at <= ? AND settled_at IS NULL ORDER BY next_poll_at LIMIT ?',
      args: [at, DUE_PER_TICK],
    })
    const byProvider = new Map<string, StoredJob[]>()
    for (const row of due.rows) {
      const job = jobFromRow(row)
      byProvider.set(job.provider, [...(byProvider.get(job.provider) ?? []), job])
    }
    // Providers in parallel, each at its own gentle rate.
    const polled = await Promise.all([...byProvider.values()].map((jobs) => this.pollAll(jobs)))
    return polled.reduce((a, b) => a + b, 0)
  }

  private async pollAll(jobs: readonly StoredJob[]): Promise<number> {
    let polled = 0
    for (const job of jobs) {
      if (this.stopped) break
      if (await this.pollOne(job)) polled++
    }
    return polled
  }

  /** Claims the job's slot (compare-and-set on next_poll_at), then polls it; false when another instance had it. */
  private async pollOne(job: StoredJob): Promise<boolean> {
    const { client, now, log } = this.options
    const provider = this.options.provider(job.provider)
    const rules = provider?.spec.jobs
    if (!provider || !rules) {
      // Not served any more: nothing can poll it; it stays in the ledger as it is.
      await this.options.write({ op: 'unfollow', id: job.id })
      log.warn('a job of a provider no longer served is not followed', { job: job.id, provider: job.provider })
      return false
    }
    const claimedAt = now()
    const next = claimedAt + nextPollDelay(job.pollAttempts, this.options.intervalMs, this.options.maxIntervalMs, this.random())
    if ((await this.options.write({ op: 'claim', id: job.id, expected: job.nextPollAt, next })) !== 1) return false
    await this.waitForSlot(job.provider, 1_000 / Math.max(0.01, rules.pollsPerSecond))
    // Ended, billed from its results (a batch's output file): read them, then it settles.
    if (isTerminal(job.status) && job.resultsPath) {
      const results = rules.resultLine ? await this.fetchResults(job, provider, job.resultsPath, rules) : undefined
      if (!results) {
        this.count(job.provider, 'pollErrors')
        await this.options.write({ op: 'poll-error', id: job.id })
        return true
      }
      this.options.recorder.recordJobObserved({ provider: job.provider, objectId: job.providerJobId, status: job.status, rawStatus: job.rawStatus, usage: null, rawUsage: null, model: null, at: now(), results })
      return true
    }
    const pastRetention = claimedAt >= job.createdAt + rules.retentionMs
    const reading = await this.fetchReading(job, provider)
    const observedAt = now()
    if (reading && reading.providerJobId === job.providerJobId) {
      // Files only this answer names (a batch's output and error files) become the job's org's before it settles.
      for (const child of reading.children ?? []) {
        this.options.recorder.recordCreated({ provider: job.provider, objectId: child.id, kind: child.kind, orgId: job.orgId, keyId: job.keyId, requestId: job.requestId, status: null, snapshot: null })
      }
      const gaveUp = pastRetention && !isTerminal(reading.status) && reading.status !== 'unknown'
      this.options.recorder.recordJobObserved({ ...observed(job.provider, reading), at: observedAt, ...(gaveUp ? { gaveUp: true } : {}) })
    } else {
      this.count(job.provider, 'pollErrors')
      await this.options.write({ op: 'poll-error', id: job.id })
      // Past the provider's retention a job that cannot be read any more is given up: its cost is unknown, not $0.
      if (pastRetention) {
        this.options.recorder.recordJobObserved({ provider: job.provider, objectId: job.providerJobId, status: 'unknown', rawStatus: null, usage: null, rawUsage: null, model: null, at: observedAt, gaveUp: true })
      }
    }
    return true
  }

  private count(provider: string, what: 'polls' | 'pollErrors'): void {
    this.stats[what]++
    let counts = this.stats.byProvider.get(provider)
    if (!counts) this.stats.byProvider.set(provider, (counts = { polls: 0, pollErrors: 0 }))
    counts[what]++
  }

  private async waitForSlot(provider: string, spacingMs: number): Promise<void> {
    const at = performance.now()
    const slot = Math.max(at, this.nextSlot.get(provider) ?? 0)
    this.nextSlot.set(provider, slot + spacingMs)
    if (slot > at) await Bun.sleep(slot - at)
  }

  /** The upstream base and credential a job was made with, if this instance still has them. */
  private upstreamFor(job: StoredJob, provider: ResolvedProvider): { base: string; authorization: Record<string, string> } | undefined {
    const bases = new Set([provider.baseUrl, ...Object.values(provider.spec.regions ?? {})])
    if (!bases.has(job.upstreamBase)) {
      this.options.log.warn('a job was created through an upstream this gateway no longer uses; not polled', { job: job.id, provider: job.provider })
      return undefined
    }
    const credential = this.options.credential(provider)
    if (!credential.secret || credential.ref !== job.credentialRef) {
      this.options.log.warn('the credential a job was created with is not configured any more; not polled', { job: job.id, provider: job.provider })
      return undefined
    }
    const auth = provider.spec.upstreamAuth
    return { base: job.upstreamBase, authorization: { ...provider.spec.jobs?.pollHeaders, [auth.header]: `${auth.prefix ?? ''}${credential.secret}` } }
  }

  /** Streams a batch's results (JSONL) and sums them per model, one bounded line at a time; undefined when the read failed. */
  private async fetchResults(job: StoredJob, provider: ResolvedProvider, path: string, rules: JobRules): Promise<JobResults | undefined> {
    const upstream = this.upstreamFor(job, provider)
    if (!upstream) return undefined
    this.count(job.provider, 'polls')
    try {
      const response = await fetch(`${upstream.base}${path}`, { headers: upstream.authorization, signal: AbortSignal.timeout(RESULTS_TIMEOUT_MS), redirect: 'manual' })
      if (response.status < 200 || response.status >= 300 || !response.body) {
        await response.body?.cancel().catch(() => {})
        this.options.log.warn('job results could not be read', { job: job.id, provider: job.provider, status: response.status })
        return undefined
      }
      const tally = resultTally()
      const lineEncoder = new TextEncoder()
      const take = (text: string) => {
        if (text.trim() === '') return
        // The poller runs on the proxy thread: a line is parsed only within the parse budget, else it is unreadable
        // (the batch is then stored unpriced), so a hostile results file cannot hold the event loop.
        const parsed = parseWithinBudget(lineEncoder.encode(text))
        if (parsed === undefined) {
          tally.unreadable()
          return
        }
        tally.add(rules.resultLine!(parsed))
      }
      const decoder = new TextDecoder()
      const reader = response.body.getReader()
      let pending = ''
      let skipping = false
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        pending += decoder.decode(value, { stream: true })
        let newline: number
        while ((newline = pending.indexOf('\n')) >= 0) {
          if (skipping) skipping = false
          else take(pending.slice(0, newline))
          pending = pending.slice(newline + 1)
          if (tally.lines > MAX_RESULT_LINES) {
            await reader.cancel().catch(() => {})
            this.options.log.warn('job results have more lines than any batch may; not billed from them', { job: job.id })
            return undefined
          }
        }
        // A line longer than the bound is counted unreadable and skipped to its end.
        if (pending.length > MAX_RESULT_LINE_BYTES) {
          if (!skipping) tally.unreadable()
          skipping = true
          pending = ''
        }
      }
      if (!skipping) take(pending + decoder.decode())
      return tally.results()
    } catch (error) {
      this.options.log.warn('job results could not be read', { job: job.id, provider: job.provider, error: String(error) })
      return undefined
    }
  }

  /** One poll, to the upstream and with the credential the job was created with; undefined when it failed. */
  private async fetchReading(job: StoredJob, provider: ResolvedProvider): Promise<JobReading | undefined> {
    const { log } = this.options
    const rules = provider.spec.jobs!
    const upstream = this.upstreamFor(job, provider)
    if (!upstream) return undefined
    this.count(job.provider, 'polls')
    const controller = new AbortController()
    let timer = setTimeout(() => controller.abort(new Error('the poll timed out')), POLL_TIMEOUT_MS)
    try {
      const response = await fetch(`${upstream.base}${rules.pollPath(job)}`, {
        headers: { ...upstream.authorization, accept: 'application/json' },
        signal: controller.signal,
        redirect: 'manual',
      })
      if (response.status < 200 || response.status >= 300 || !response.body) {
        await response.body?.cancel().catch(() => {})
        log.warn('job poll failed', { job: job.id, provider: job.provider, status: response.status })
        return undefined
      }
      const reader = response.body.getReader()
      const head = await readHead(reader, MAX_ANSWER_BYTES)
      if (head.complete) {
        // Parsed on the proxy thread: only within the parse budget (a poll answer is at most 1 MiB, but a MiB of tiny
        // containers would cost over 100 ms of event loop).
        const answer = parseWithinBudget(Buffer.concat(head.parts))
        if (answer === undefined) {
          log.warn('job poll failed: the answer is not JSON within the parse budget', { job: job.id, provider: job.provider })
          return undefined
        }
        return rules.read(answer)
      }
      if (!rules.inlineResults) {
        await reader.cancel().catch(() => {})
        log.warn('job poll failed: the answer is longer than a poll answer may be', { job: job.id, provider: job.provider, limit: MAX_ANSWER_BYTES })
        return undefined
      }
      // A succeeded batch with its results inline: streamed, with the time a results file gets.
      clearTimeout(timer)
      timer = setTimeout(() => controller.abort(new Error('reading the inline results timed out')), RESULTS_TIMEOUT_MS)
      const streamed = await readStreamedAnswer(head.parts, reader, rules, INLINE_LIMITS)
      if (streamed.kind === 'read') return streamed.reading
      if (streamed.kind === 'unreadable') {
        log.warn('job poll failed: a long answer could not be read', { job: job.id, provider: job.provider, why: streamed.why })
        return undefined
      }
      log.warn('inline job results are past a bound: the job is stored unpriced', { job: job.id, provider: job.provider, why: streamed.why })
      return { providerJobId: job.providerJobId, rawStatus: null, status: 'succeeded', usage: null, rawUsage: null, results: streamed.results }
    } catch (error) {
      log.warn('job poll failed', { job: job.id, provider: job.provider, error: String(error) })
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }
}
