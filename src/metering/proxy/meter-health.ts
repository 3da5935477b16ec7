// Whether metering works, for /healthz: the worker is alive and answering, and its backlog is not growing without bound.
import type { MeterStats, WorkerLiveness } from './meter-channel.ts'

export interface QueueTrendOptions {
  /** A backlog at or below this many jobs and rows is never a problem. */
  readonly limit: number
  /** A backlog above the limit all this time, and larger than at its start, is growing without bound. */
  readonly windowMs: number
}

/** Pure: samples of the backlog over time, and whether it stayed above the limit and grew across the window. */
export class QueueTrend {
  private samples: { at: number; depth: number }[] = []

  constructor(private readonly options: QueueTrendOptions) {}

  sample(depth: number, at: number): void {
    this.samples.push({ at, depth })
    // Keep one sample at or before the window's start: it is the baseline growth is measured from.
    const start = at - this.options.windowMs
    while (this.samples.length > 1 && this.samples[1]!.at <= start) this.samples.shift()
  }

  problem(at: number): string | undefined {
    const first = this.samples[0]
    const last = this.samples.at(-1)
    if (!first || !last || first.at > at - this.options.windowMs) return undefined
    if (this.samples.some((s) => s.depth <= this.options.limit) || last.depth <= first.depth) return undefined
    const seconds = Math.round((last.at - first.at) / 1000)
    return `the metering backlog is growing: ${last.depth} jobs and rows, up from ${first.depth} ${seconds} s ago (limit ${this.options.limit})`
  }
}

export interface MeterSource {
  stats(): MeterStats
  liveness(): WorkerLiveness
}

export interface MeterHealthOptions extends Partial<QueueTrendOptions> {
  /** How often the backlog is sampled. */
  readonly sampleMs?: number
  /** The worker reports every second; silence this long means it is stuck. */
  readonly silentMs?: number
  readonly now?: () => number
}

export class MeterHealth {
  private readonly trend: QueueTrend
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly now: () => number
  private readonly silentMs: number

  constructor(
    private readonly meter: MeterSource,
    private readonly options: MeterHealthOptions = {},
  ) {
    this.trend = new QueueTrend({ limit: options.limit ?? 10_000, windowMs: options.windowMs ?? 60_000 })
    this.now = options.now ?? (() => performance.now())
    this.silentMs = options.silentMs ?? 30_000
  }

  start(): void {
    this.timer ??= setInterval(() => this.sampleNow(), this.options.sampleMs ?? 1_000)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  sampleNow(): void {
    const s = this.meter.stats()
    this.trend.sample(s.queuedJobs + s.outstandingJobs + s.workerPendingRows, this.now())
  }

  /** Why metering is not working (undefined while it is). */
  problem(): string | undefined {
    const live = this.meter.liveness()
    if (live.exitCode !== undefined) return `the metering worker has stopped (exit code ${live.exitCode}): usage is not being recorded`
    const silent = this.now() - live.lastHeardAt
    if (silent > this.silentMs) return `the metering worker has not answered for ${Math.round(silent / 1000)} s`
    return this.trend.problem(this.now())
  }

  /** Why the database does not take writes, as the worker last found. */
  writeProblem(): string | undefined {
    return this.meter.liveness().writeProblem
  }
}
