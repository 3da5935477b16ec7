// Load generator (its own process), JSON summary on stdout. Two modes:
//  - closed loop (default): C keep-alive workers for D seconds, each sending its next request when the previous one ends;
//  - open loop (spec.rate set): requests start on a fixed schedule (rate per second) whatever the completions, and latency is
//    measured from each request's *scheduled* start, so a slow server cannot hide its stalls (no coordinated omission).
// Usage: bun test/bench/load.ts '<json LoadSpec>'  → prints one JSON LoadResult line.

export interface LoadSpec {
  url: string
  concurrency: number
  seconds: number
  warmupSeconds: number
  method?: string
  headers?: Record<string, string>
  body?: string
  /** When set, a 200 response whose body does not end with this text counts as an error (truncated stream). */
  expectTail?: string
  /** Also return every successful latency (integer microseconds) so the caller can merge several runs. */
  raw?: boolean
  /** Open loop: start this many requests per second on a fixed schedule (concurrency is then only reported, not used). */
  rate?: number
  /** Open loop: a request that would exceed this many in flight is not sent and counts as an error (default 2000). */
  maxInFlight?: number
  /** Per-request timeout in ms (open loop only; default 10 000). Bounds the drain after the last scheduled start. */
  timeoutMs?: number
}

export interface LoadResult {
  url: string
  concurrency: number
  seconds: number
  requests: number
  errors: number
  rps: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
  bytesPerResponse: number
  errorSample?: string
  latenciesUs?: number[]
  /** Every request completed by this process, warm-up included (to divide server CPU time by). */
  allRequests: number
  /** Open loop: the configured rate. */
  rate?: number
  /** Open loop: how late the generator itself sent requests vs their schedule (its own event-loop lag), p99 and max, ms. */
  sendLagP99?: number
  sendLagMax?: number
}

export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const method = spec.method ?? 'POST'
  const headers = spec.headers ?? {}
  const tail = spec.expectTail
  const latencies: number[] = []
  let errors = 0
  let bytes = 0
  let errorSample: string | undefined
  let recording = false
  let allRequests = 0

  /** Sends one request and records it; latency counts from `from` (its start, or when it was due). */
  const send = async (from: number, record: () => boolean, signal?: AbortSignal): Promise<void> => {
    try {
      const res = await fetch(spec.url, { method, headers, ...(signal ? { signal } : {}), ...(spec.body === undefined ? {} : { body: spec.body }) })
      const text = await res.text()
      const t1 = performance.now()
      allRequests++
      if (!record()) return
      if (res.status !== 200) {
        errors++
        errorSample ??= `HTTP ${res.status}: ${text.slice(0, 200)}`
      } else if (tail !== undefined && !text.endsWith(tail)) {
        errors++
        errorSample ??= `truncated body (${text.length} chars): …${JSON.stringify(text.slice(-80))}`
      } else {
        latencies.push(t1 - from)
        bytes += text.length
      }
    } catch (error) {
      allRequests++
      if (!record()) return
      errors++
      errorSample ??= String(error)
    }
  }

  const one = (): Promise<void> => send(performance.now(), () => recording)

  const phase = async (seconds: number): Promise<number> => {
    const started = performance.now()
    const stopAt = started + seconds * 1000
    const worker = async () => {
      while (performance.now() < stopAt) await one()
    }
    await Promise.all(Array.from({ length: spec.concurrency }, worker))
    return (performance.now() - started) / 1000
  }

  // Open loop: request i of a phase is due at start + i/rate. Every due request is sent even if earlier ones are still
  // running; its latency counts from when it was due, so any delay in sending (a saturated box) is charged to it too.
  const rate = spec.rate
  const maxInFlight = spec.maxInFlight ?? 2000
  const timeoutMs = spec.timeoutMs ?? 10_000
  const lags: number[] = []
  const openOne = async (due: number, record: boolean): Promise<void> => {
    if (record) lags.push(performance.now() - due)
    await send(due, () => record, AbortSignal.timeout(timeoutMs))
  }

  const openPhase = async (seconds: number, record: boolean): Promise<number> => {
    const interval = 1000 / rate!
    const total = Math.max(1, Math.round(seconds * rate!))
    const inFlight = new Set<Promise<void>>()
    const started = performance.now()
    let next = 0
    while (next < total) {
      const now = performance.now()
      while (next < total && started + next * interval <= now) {
        const due = started + next * interval
        next++
        if (inFlight.size >= maxInFlight) {
          if (record) {
            errors++
            errorSample ??= `open loop: more than ${maxInFlight} requests in flight, request not sent`
          }
          continue
        }
        const p = openOne(due, record)
        inFlight.add(p)
        p.finally(() => inFlight.delete(p))
      }
      if (next < total) await Bun.sleep(Math.max(0, started + next * interval - performance.now()))
    }
    const elapsed = (performance.now() - started) / 1000 // the schedule's span; the drain below is not "offered time"
    // Every request has its own timeout, so this ends within timeoutMs.
    await Promise.all(inFlight)
    return Math.max(elapsed, total / rate!)
  }

  if (spec.warmupSeconds > 0) await (rate ? openPhase(spec.warmupSeconds, false) : phase(spec.warmupSeconds))
  recording = true
  const elapsed = rate ? await openPhase(spec.seconds, true) : await phase(spec.seconds)
  recording = false
  const sortedLags = Float64Array.from(lags).sort()

  const sorted = Float64Array.from(latencies).sort()
  const sum = latencies.reduce((a, b) => a + b, 0)
  return {
    url: spec.url,
    concurrency: spec.concurrency,
    seconds: elapsed,
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: latencies.length ? sum / latencies.length : NaN,
    bytesPerResponse: latencies.length ? bytes / latencies.length : 0,
    ...(errorSample ? { errorSample } : {}),
    allRequests,
    ...(rate ? { rate, sendLagP99: percentile(sortedLags, 0.99), sendLagMax: sortedLags.length ? sortedLags[sortedLags.length - 1]! : NaN } : {}),
    ...(spec.raw ? { latenciesUs: latencies.map((ms) => Math.round(ms * 1000)) } : {}),
  }
}

if (import.meta.main) {
  const raw = process.argv[2]
  if (!raw) {
    console.error("usage: bun test/bench/load.ts '<json LoadSpec>'")
    process.exit(2)
  }
  const spec = JSON.parse(raw) as LoadSpec
  const host = new URL(spec.url).hostname
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    console.error(`load.ts only targets loopback, got ${host}`)
    process.exit(2)
  }
  if (!(spec.concurrency >= 1 && spec.concurrency <= 4096) || !(spec.seconds > 0 && spec.seconds <= 600)) {
    console.error('concurrency must be 1..4096 and seconds 0..600')
    process.exit(2)
  }
  if (spec.rate !== undefined && !(spec.rate > 0 && spec.rate <= 20_000)) {
    console.error('rate must be 0..20000 requests per second')
    process.exit(2)
  }
  const result = await run(spec)
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}
