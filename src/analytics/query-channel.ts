// Proxy-thread side of the query worker: started on first use, one request in flight per id, every request answered or timed out.
import { ServiceError } from '../errors/service-error.ts'
import type { Logger } from '../log.ts'
import type { FromQueryWorker, QueryKind, QueryKinds, QueryWorkerInit, ToQueryWorker } from './query-protocol.ts'
import type { JsonText, UsageReads } from './usage-reads.ts'

/** Bundled into the binary the worker sits beside main at the bundle root; from source it is src/query-worker.ts. */
function workerUrl(): string {
  return Bun.isStandaloneExecutable ? './query-worker.ts' : new URL('../query-worker.ts', import.meta.url).href
}

/** A read longer than this is answered with an error; the worker still finishes it before the next one. */
const DEFAULT_TIMEOUT_MS = 120_000

interface Pending {
  resolve: (json: string) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout>
}

/**
 * A local libSQL file runs every query synchronously on the calling thread: a 90-day report or a deep page of the
 * request log on the proxy thread would stall every proxied request meanwhile. These run on the query worker, with
 * its own connection (WAL: readers do not wait for the metering worker's writes). A remote database works the same.
 */
export class QueryChannel implements UsageReads {
  private worker: Worker | undefined
  private ready: Promise<void> | undefined
  private readonly pending = new Map<number, Pending>()
  private seq = 0
  private closed = false

  constructor(
    private readonly init: QueryWorkerInit,
    private readonly log: Logger,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {}

  usageJson(query: QueryKinds['usage']['argument']): Promise<JsonText<QueryKinds['usage']['result']>> {
    return this.run('usage', query)
  }

  async usage(query: QueryKinds['usage']['argument']): Promise<QueryKinds['usage']['result']> {
    return JSON.parse(await this.usageJson(query))
  }

  requestsJson(query: QueryKinds['requests']['argument']): Promise<JsonText<QueryKinds['requests']['result']>> {
    return this.run('requests', query)
  }

  async requests(query: QueryKinds['requests']['argument']): Promise<QueryKinds['requests']['result']> {
    return JSON.parse(await this.requestsJson(query))
  }

  jobsJson(query: QueryKinds['jobs']['argument']): Promise<JsonText<QueryKinds['jobs']['result']>> {
    return this.run('jobs', query)
  }

  requestJson(query: QueryKinds['request']['argument']): Promise<JsonText<QueryKinds['request']['result']>> {
    return this.run('request', query)
  }

  async reprice(argument: QueryKinds['reprice']['argument'], timeoutMs?: number): Promise<QueryKinds['reprice']['result']> {
    return JSON.parse(await this.run('reprice', argument, timeoutMs))
  }

  /** Resolves with the worker's answer as JSON text. */
  async run<K extends QueryKind>(kind: K, argument: QueryKinds[K]['argument'], timeoutMs = this.timeoutMs): Promise<JsonText<QueryKinds[K]['result']>> {
    if (this.closed) throw new ServiceError('database_unavailable', 'the gateway is stopping')
    await this.start()
    const id = ++this.seq
    const { promise, resolve, reject } = Promise.withResolvers<string>()
    const timer = setTimeout(() => {
      this.pending.delete(id)
      reject(new ServiceError('internal', `the query did not finish within ${Math.round(timeoutMs / 1000)} s`))
    }, timeoutMs)
    this.pending.set(id, { resolve, reject, timer })
    this.post({ type: 'run', id, kind, argument })
    return promise
  }

  /** Stops the worker; requests still waiting are refused. */
  close(): void {
    this.closed = true
    this.worker?.terminate()
    this.failAll('the gateway is stopping')
  }

  private post(message: ToQueryWorker): void {
    this.worker!.postMessage(message)
  }

  /** Lazily: a gateway whose admin API is never asked for usage never starts the thread. Restarts after a crash. */
  private start(): Promise<void> {
    if (this.ready) return this.ready
    const worker = new Worker(workerUrl())
    this.worker = worker
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    const gone = (reason: string) => {
      if (this.worker !== worker) return
      this.worker = undefined
      this.ready = undefined
      reject(new Error(reason))
      this.failAll(reason)
    }
    worker.addEventListener('message', (event: MessageEvent<FromQueryWorker>) => this.onMessage(event.data, resolve, (error) => {
      gone(error)
      worker.terminate()
    }))
    worker.addEventListener('error', (event) => {
      const error = String((event as ErrorEvent).error ?? (event as ErrorEvent).message)
      this.log.error('query worker error', { error })
      gone(`the query worker failed: ${error}`)
    })
    worker.addEventListener('close', () => {
      if (!this.closed) this.log.warn('the query worker stopped; the next admin read starts it again')
      gone('the query worker stopped')
    })
    this.ready = promise
    this.post({ type: 'init', init: this.init })
    return promise
  }

  private onMessage(message: FromQueryWorker, ready: () => void, initFailed: (error: string) => void): void {
    switch (message.type) {
      case 'ready':
        ready()
        return
      case 'init-failed':
        this.log.error('the query worker could not open the database', { error: message.error })
        initFailed(`the query worker could not open the database: ${message.error}`)
        return
      case 'done':
      case 'failed': {
        const pending = this.pending.get(message.id)
        if (!pending) return
        this.pending.delete(message.id)
        clearTimeout(pending.timer)
        if (message.type === 'done') pending.resolve(message.json)
        else pending.reject(message.code ? new ServiceError(message.code, message.message) : new Error(message.message))
        return
      }
    }
  }

  private failAll(reason: string): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer)
      pending.reject(new Error(reason))
    }
    this.pending.clear()
  }
}
