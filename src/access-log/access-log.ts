// Assembles ONE access-log line per proxied request from its admission, its end, the client's status and (when metered) its settlement.
import type { ResolvedProvider } from '../config.ts'
import type { Settlement } from '../metering/protocol/meter-job.ts'
import type { ProxyStage } from '../proxy/stages.ts'
import { parseRequestTarget } from '../proxy/request-target.ts'
import type { AccessRecord } from './access-line.ts'

export interface AccessLogOptions {
  /** Receives finished records (a LineWriter: queued, formatted and written later, off the request path). */
  readonly write: (record: AccessRecord) => void
  /** Whether forwarded exchanges are metered: their line then waits for the usage row's tokens and cost. */
  readonly metered: boolean
  readonly providers: ReadonlyMap<string, ResolvedProvider>
  /** A settlement that has not arrived this long after the exchange ended is given up on: the line is written without it. */
  readonly settleTimeoutMs?: number
  /** Requests held (in flight or waiting for their settlement); beyond this a finished request is written at once. */
  readonly maxHeld?: number
  readonly now?: () => number
  readonly addressOf?: (request: Request) => string | undefined
}

/** One request on its way to its line; written once the client has its answer, the exchange ended, and usage settled (or will not). */
interface Held {
  readonly record: AccessRecord
  /** The handler returned the client's response (its status is known). */
  responded: boolean
  /** No more bytes will flow: the exchange ended, or none happened. */
  ended: boolean
  /** The exchange went upstream and ended, so the meter has a job for it. */
  forwarded: boolean
  settled: boolean
  /** A later stage refused or answered the request itself: admission was undone. */
  rolledBack: boolean
}

type Handler = (request: Request) => Promise<Response>

const MAX_FIELD = 256

function bounded(value: string): string {
  return value.length > MAX_FIELD ? value.slice(0, MAX_FIELD) : value
}

export class AccessLog {
  /** Admitted requests by id, until written (settlements find them here). */
  private readonly held = new Map<string, Held>()
  /** The wrapper's link to a request's admission: Bun hands every reader the same Headers object. */
  private readonly admissions = new WeakMap<Headers, Held>()
  /** Error codes of the gateway's own refusals, by request id, read back by the wrapper within the same request. */
  private readonly errors = new Map<string, string>()
  /** Ended exchanges waiting for a settlement, oldest first (every deadline is "end + timeout", so the order holds). */
  private waiting: { id: string; deadline: number }[] = []
  private waitingHead = 0
  private readonly waitingFor = new WeakSet<Held>()
  /**
   * The request whose handler is running its synchronous first part (set by the wrapper around that call only).
   * Prechecks run there, before the first await, so they name the key of exactly this request; a precheck that ran
   * later would find nothing here, never another request's.
   */
  private current: { keyId: string | null; orgId: string | null } | undefined
  private sweeper: ReturnType<typeof setInterval> | undefined
  private readonly settleTimeoutMs: number
  private readonly maxHeld: number
  private readonly now: () => number

  constructor(private readonly options: AccessLogOptions) {
    this.settleTimeoutMs = options.settleTimeoutMs ?? 10_000
    this.maxHeld = options.maxHeld ?? 100_000
    this.now = options.now ?? Date.now
  }

  /** First among the stages: a later stage's refusal rolls it back, and the line still names the key and org. */
  stage(): ProxyStage {
    return {
      precheck: (key, org) => this.identified(key.row.id, org.id),
      admit: (request) => {
        const held: Held = {
          record: {
            time: request.startedAt,
            requestId: request.requestId,
            method: request.method,
            provider: request.provider.spec.id,
            path: bounded(request.path),
            model: request.facts.model ? bounded(request.facts.model) : null,
            orgId: request.org.id,
            keyId: request.key.row.id,
            status: 0,
            endedBy: 'complete',
            error: null,
            durationMs: 0,
            ttfbMs: null,
            inputTokens: null,
            outputTokens: null,
            costMicros: null,
            costStatus: 'unmetered',
            clientIp: null,
          },
          responded: false,
          ended: false,
          forwarded: false,
          settled: false,
          rolledBack: false,
        }
        this.held.set(request.requestId, held)
        this.admissions.set(request.headers, held)
        return {
          observer: {
            onEnd: (outcome) => {
              held.record.endedBy = outcome.endedBy
              held.record.ttfbMs = outcome.ttfbMs
              held.record.durationMs = Math.max(0, outcome.endedAt - request.startedAt)
              held.ended = true
              held.forwarded = true
              this.progress(held)
            },
          },
          rollback: () => {
            held.rolledBack = true
            held.ended = true
          },
        }
      },
    }
  }

  /**
   * The key of the request whose handler is running its synchronous first part (a precheck, or a gateway answer
   * that checked the key before its first await): a line of a request no stage admitted names it. Later calls name nothing.
   */
  identified(keyId: string, orgId: string): void {
    if (!this.current) return
    this.current.keyId = keyId
    this.current.orgId = orgId
  }

  /** Told of every refusal the proxy makes (its onGatewayError): the line carries the code. */
  gatewayError(code: string, requestId: string): void {
    // Read back within the same request; the cap only guards against a path that never reads it.
    if (this.errors.size >= 10_000) this.errors.clear()
    this.errors.set(requestId, code)
  }

  /** Wraps the proxy handler: the client's status, and a line for requests no stage admitted (refusals, with the key once it was known). */
  wrap(handler: Handler): Handler {
    return async (request) => {
      const startedAt = this.now()
      const identity: { keyId: string | null; orgId: string | null } = { keyId: null, orgId: null }
      this.current = identity
      let pending: Promise<Response>
      try {
        pending = handler(request)
      } finally {
        this.current = undefined
      }
      const response = await pending
      const requestId = response.headers.get('x-sociaro-request-id')
      const error = requestId === null ? undefined : this.errors.get(requestId)
      if (requestId !== null && error !== undefined) this.errors.delete(requestId)
      const held = this.admissions.get(request.headers)
      if (held) {
        held.responded = true
        held.record.status = response.status
        held.record.clientIp = this.options.addressOf?.(request) ?? null
        if (error !== undefined) {
          held.record.error = error
          // Refused after admission without going upstream (or failed before it): nothing more will flow.
          if (!held.forwarded) held.ended = true
        }
        if (held.rolledBack) {
          held.record.endedBy = error === undefined ? 'answered' : 'refused'
          held.record.durationMs = Math.max(0, this.now() - held.record.time)
        } else if (!held.forwarded && error !== undefined) {
          held.record.endedBy = 'refused'
          held.record.durationMs = Math.max(0, this.now() - held.record.time)
        }
        this.progress(held)
        return response
      }
      const target = parseRequestTarget(request.url)
      const provider = target ? this.options.providers.get(target.provider) : undefined
      this.options.write({
        time: startedAt,
        requestId: requestId ?? '',
        method: request.method,
        provider: provider?.spec.id ?? null,
        path: bounded(provider ? target!.path : (target ? `/${target.provider}${target.path}` : '/')),
        model: null,
        orgId: identity.orgId,
        keyId: identity.keyId,
        status: response.status,
        endedBy: response.status >= 400 ? 'refused' : 'answered',
        error: error ?? null,
        durationMs: Math.max(0, this.now() - startedAt),
        ttfbMs: null,
        inputTokens: null,
        outputTokens: null,
        costMicros: null,
        costStatus: 'unmetered',
        clientIp: this.options.addressOf?.(request) ?? null,
      })
      return response
    }
  }

  /** Usage rows written by the metering worker: their tokens and cost complete the lines waiting for them. */
  settled(settlements: readonly Settlement[]): void {
    for (const settlement of settlements) {
      const held = this.held.get(settlement.requestId)
      if (!held) continue
      held.record.inputTokens = settlement.inputTokens
      held.record.outputTokens = settlement.outputTokens
      held.record.costMicros = settlement.costMicros
      held.record.costStatus = settlement.costStatus
      if (settlement.model) held.record.model = bounded(settlement.model)
      held.settled = true
      this.progress(held)
    }
  }

  /** Requests admitted and not yet written (in flight, or waiting for their usage row). */
  get pending(): number {
    return this.held.size
  }

  /** Shutdown, after the meter drained: whatever still waits is written as it is. */
  close(): void {
    if (this.sweeper) clearInterval(this.sweeper)
    this.sweeper = undefined
    for (const held of this.held.values()) this.emit(held, 'not_settled')
    this.waiting = []
    this.waitingHead = 0
  }

  private progress(held: Held): void {
    if (!held.responded || !held.ended) return
    if (!this.options.metered || !held.forwarded || held.settled) return this.emit(held, held.settled ? held.record.costStatus : 'unmetered')
    // Already queued for its settlement (the client's status arrived after the end): nothing to add.
    if (this.waitingFor.has(held)) return
    if (this.held.size > this.maxHeld) return this.emit(held, 'not_settled')
    this.waitingFor.add(held)
    this.waiting.push({ id: held.record.requestId, deadline: this.now() + this.settleTimeoutMs })
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(1_000, this.settleTimeoutMs))
  }

  private emit(held: Held, costStatus: string): void {
    if (!this.held.delete(held.record.requestId)) return
    held.record.costStatus = costStatus
    this.options.write(held.record)
  }

  /** Writes the lines whose settlement did not come in time (a shed job, a stopped worker). */
  private sweep(): void {
    const at = this.now()
    while (this.waitingHead < this.waiting.length && this.waiting[this.waitingHead]!.deadline <= at) {
      const held = this.held.get(this.waiting[this.waitingHead++]!.id)
      if (held) this.emit(held, 'not_settled')
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead)
      this.waitingHead = 0
    }
    if (this.waitingHead >= this.waiting.length) {
      this.waiting = []
      this.waitingHead = 0
      clearInterval(this.sweeper)
      this.sweeper = undefined
    }
  }
}
