// Delivers the webhook outbox off the request path: signed POSTs to each org's configured URL only, retried with backoff.
import type { Client } from '@libsql/client'
import type { Logger } from '../log.ts'
import type { CredentialCipher } from '../secrets/credential-cipher.ts'
import type { JobPollWrite } from '../types/job-poll-write.ts'
import { nextPollDelay } from './job-poller.ts'
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './webhook-signature.ts'
import type { WebhookEgress } from './webhook-egress.ts'
import { postWebhook } from './webhook-post.ts'

const DELIVERY_TIMEOUT_MS = 10_000
const DUE_PER_TICK = 50
/** The longest wait between two attempts. */
const MAX_RETRY_MS = 3_600_000

export interface WebhookDispatcherOptions {
  /** Reads (due deliveries, the org's URL and sealed secret) on this thread's connection. */
  readonly client: Client
  /** Claims and outcomes, where the database's writes are made (the metering worker; src/jobs/webhook-writes.ts). */
  readonly write: (write: JobPollWrite) => Promise<number>
  readonly cipher: () => CredentialCipher
  readonly log: Logger
  readonly now: () => number
  /** The first retry; doubled per attempt up to an hour, ±20 % jitter. */
  readonly retryMs: number
  /** Attempts before giving up (recorded as gave_up_at). */
  readonly attempts: number
  /** Where deliveries may go: every attempt resolves the host again, checks each address, and connects to the checked one. */
  readonly egress: WebhookEgress
  readonly random?: () => number
}

export interface WebhookStats {
  delivered: number
  failedAttempts: number
  gaveUp: number
}

type Outcome = { readonly delivered: boolean; readonly result: string; readonly final?: boolean }

export class WebhookDispatcher {
  readonly stats: WebhookStats = { delivered: 0, failedAttempts: 0, gaveUp: 0 }
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private readonly random: () => number

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.random = options.random ?? Math.random
  }

  private get tickMs(): number {
    return Math.min(this.options.retryMs, 1_000)
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return
      this.running = this.tick()
        .then(() => undefined)
        .catch((error) => this.options.log.warn('webhook round failed; retrying next round', { error: String(error) }))
        .finally(() => {
          this.running = undefined
          if (!this.stopped) this.timer = setTimeout(loop, this.tickMs)
        })
    }
    this.timer = setTimeout(loop, this.tickMs)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }

  /** One round: every due delivery, each claimed first (so one instance sends each attempt), all in parallel. */
  async tick(): Promise<number> {
    const at = this.options.now()
    const due = await this.options.client.execute({
      sql: `SELECT w.job_id, w.body, w.attempts, w.next_attempt_at, o.webhook_url, o.webhook_secret, o.webhook_key_id
            FROM job_webhooks w LEFT JOIN orgs o ON o.id = w.org_id
            WHERE w.next_attempt_at IS NOT NULL AND w.next_attempt_at <= ? ORDER BY w.next_attempt_at LIMIT ?`,
      args: [at, DUE_PER_TICK],
    })
    const sent = await Promise.all(due.rows.map((row) => this.attempt(row as unknown as Record<string, unknown>)))
    return sent.filter(Boolean).length
  }

  private async attempt(row: Record<string, unknown>): Promise<boolean> {
    const { write, now } = this.options
    const jobId = String(row.job_id)
    const attempt = Number(row.attempts) + 1
    // While an attempt is under way its slot is pushed past the timeout: an instance that dies mid-send is retried.
    const claimed = await write({ op: 'webhook-claim', jobId, expected: Number(row.next_attempt_at), next: now() + DELIVERY_TIMEOUT_MS + this.retryDelay(attempt) })
    if (claimed !== 1) return false
    const outcome = await this.deliver(row)
    const final = outcome.final === true || attempt >= this.options.attempts
    const next = outcome.delivered || final ? null : now() + this.retryDelay(attempt)
    await write({ op: 'webhook-result', jobId, delivered: outcome.delivered, result: outcome.result, at: now(), next })
    if (outcome.delivered) this.stats.delivered++
    else {
      this.stats.failedAttempts++
      if (next === null) {
        this.stats.gaveUp++
        this.options.log.warn('a job webhook was given up', { job: jobId, attempts: attempt, result: outcome.result })
      }
    }
    return true
  }

  private retryDelay(attempt: number): number {
    return nextPollDelay(attempt - 1, this.options.retryMs, MAX_RETRY_MS, this.random())
  }

  /** One POST to the org's URL as configured now; never a redirect, never another host. */
  private async deliver(row: Record<string, unknown>): Promise<Outcome> {
    const url = row.webhook_url === null || row.webhook_url === undefined ? undefined : String(row.webhook_url)
    if (!url || row.webhook_secret === null || row.webhook_secret === undefined) return { delivered: false, result: 'webhook removed', final: true }
    const cipher = this.options.cipher()
    if (String(row.webhook_key_id) !== cipher.keyId) return { delivered: false, result: 'secret sealed under another SOCIARO_SECRET_KEY', final: true }
    let secret: string
    try {
      secret = cipher.open(String(row.webhook_secret))
    } catch {
      return { delivered: false, result: 'secret unreadable', final: true }
    }
    const body = String(row.body)
    let target: URL
    try {
      target = new URL(url)
      this.options.egress.checkShape(target)
    } catch (error) {
      // The stored URL is not one this configuration sends to (plain http without the loopback opt-in): never will be.
      return { delivered: false, result: `refused: ${(error as Error).message}`, final: true }
    }
    let addresses: string[]
    try {
      // Resolved and checked now, not when it was set: a name that points elsewhere today is refused today.
      addresses = (await this.options.egress.targets(target)).map((a) => a.address)
    } catch (error) {
      return { delivered: false, result: `refused: ${(error as Error).message}` }
    }
    const timestamp = Math.floor(this.options.now() / 1000)
    try {
      const status = await postWebhook({
        url: target,
        addresses,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sociaro-webhook',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body),
        },
        body,
        timeoutMs: DELIVERY_TIMEOUT_MS,
        ...(this.options.egress.config.caPem ? { caPem: this.options.egress.config.caPem } : {}),
      })
      // Only the status counts; a redirect is a failed attempt, never followed.
      return { delivered: status >= 200 && status < 300, result: `HTTP ${status}` }
    } catch (error) {
      return { delivered: false, result: String(error).slice(0, 200) }
    }
  }
}
