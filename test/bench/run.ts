// Benchmark entry (`bun test/bench/run.ts`): spawns mock upstream, bare forwarder, two gateways (metering on / off) and the load
// generator; runs the closed-loop saturation cells, the open-loop moderate-load scenario and the streaming memory soak;
// prints the report and saves it to test/bench/results/latest.md. See bench/README.md for the method.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Database } from 'bun:sqlite'
import { loadavg } from 'node:os'
import { percentile, type LoadResult, type LoadSpec } from './load.ts'
import { runWrk, wrkPath } from './wrk-load.ts'
import { usageWriteSection } from './usage-write-report.ts'
import { adminReadsScenario } from './admin-reads.ts'
import { BUN, freePort, procThreadsCpuMs, killAll, killAllSync, procStatusKb, readFirstLine, rssSampler, rssSeries, track, waitFor200, waitQuiet } from './processes.ts'

const ROOT = resolve(import.meta.dir, '../..')
const RESULTS = join(import.meta.dir, 'results', 'latest.md')

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`)
  return value
}

/**
 * wrk (C) when it is installed, else the Bun generator (load.ts). BENCH_LOADGEN=bun|wrk forces one. wrk spends a
 * fraction of the CPU and has no GC pauses, so the ratios and the latency tail are the servers' own (see README).
 */
const LOADGEN: 'wrk' | 'bun' = (() => {
  const asked = process.env.BENCH_LOADGEN
  if (asked && asked !== 'wrk' && asked !== 'bun') throw new Error(`BENCH_LOADGEN must be wrk or bun, got "${asked}"`)
  if (asked === 'wrk' && !wrkPath()) throw new Error('BENCH_LOADGEN=wrk but wrk is not on PATH (Debian/Ubuntu: apt-get install wrk)')
  return (asked as 'wrk' | 'bun' | undefined) ?? (wrkPath() ? 'wrk' : 'bun')
})()
const SECONDS = envNumber('BENCH_SECONDS', 6, 0.5, 120)
const ROUNDS = envNumber('BENCH_ROUNDS', 3, 1, 20)
/** Warm-up before every slice (each slice is a fresh load process with fresh keep-alive connections). */
const WARMUP = envNumber('BENCH_WARMUP_SECONDS', LOADGEN === 'wrk' ? 1 : 0.5, 0, 30)
const MODERATE = 8
const HIGH = 64
const CONCURRENCY = [MODERATE, HIGH] as const
/** Open loop: fixed arrival rate (req/s) and seconds per target and mode (split into ROUNDS interleaved slices). */
const RATE = envNumber('BENCH_RATE', 200, 1, 5000)
const OPEN_SECONDS = envNumber('BENCH_OPEN_SECONDS', LOADGEN === 'wrk' ? 15 : 5, 0.5, 300)
/** Streaming soak against the gateway: concurrent slow streams (100 chunks, 20 ms apart) for this long; 0 skips it. */
const SOAK_SECONDS = envNumber('BENCH_SOAK_SECONDS', 45, 0, 900)
const SOAK_STREAMS = envNumber('BENCH_SOAK_STREAMS', 100, 1, 1000)
/** The soak's memory baseline is the RSS this long into the run (after warm-up of pools, JIT and caches). */
const SOAK_BASELINE_S = 10
const SOAK_FLAT_TOLERANCE = 0.15
/** Admin work under load (admin-reads.ts): seconds per slice; 0 skips it. */
const ADMIN_READS_SECONDS = envNumber('BENCH_ADMIN_READS_SECONDS', 8, 0, 120)
const GATEWAY_LOG_LEVEL = process.env.BENCH_GATEWAY_LOG_LEVEL || 'warn'
/** Extra gateway env for A/B runs, e.g. BENCH_GATEWAY_ENV="SOCIARO_METERING=false" (only SOCIARO_* names, comma-separated). */
const GATEWAY_EXTRA_ENV: Record<string, string> = Object.fromEntries(
  (process.env.BENCH_GATEWAY_ENV ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=')
      const name = at > 0 ? pair.slice(0, at) : ''
      if (!/^SOCIARO_[A-Z0-9_]+$/.test(name)) throw new Error(`BENCH_GATEWAY_ENV: "${pair}" is not SOCIARO_NAME=value`)
      return [name, pair.slice(at + 1)]
    }),
)
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef'
const SECRET_KEY = 'bench-secret-key-0123456789-abcdefghijklmnopqrstuv'
const UPSTREAM_KEY = 'sk-bench-upstream-credential'
const FETCH_CAP = { BUN_CONFIG_MAX_HTTP_REQUESTS: '65535' }

/** BENCH_COMPARE_ROOT=<another checkout>: its gateway (metering on) runs as a fifth target, interleaved with the others
 *  in every slice, for a before/after in one run (e.g. a worktree of the commit before a change). */
const COMPARE_ROOT = process.env.BENCH_COMPARE_ROOT ? resolve(process.env.BENCH_COMPARE_ROOT) : undefined
type Target = 'direct' | 'bare' | 'gateway' | 'gateway-off' | 'gateway-base'
/** `slow`: the mock's slow stream (100 chunks 20 ms apart, ≈2 s), many at once: the pump's per-chunk cost dominates. */
type Mode = 'json' | 'stream' | 'slow'
const TARGETS: readonly Target[] = ['direct', 'bare', 'gateway', 'gateway-off', ...(COMPARE_ROOT ? (['gateway-base'] as const) : [])]
const TARGET_LABEL: Record<Target, string> = {
  direct: 'direct', bare: 'bare', gateway: 'gateway', 'gateway-off': 'gateway (metering off)', 'gateway-base': 'gateway (compared checkout)',
}
const isGateway = (t: Target) => t === 'gateway' || t === 'gateway-off' || t === 'gateway-base'
const MODES: readonly Mode[] = ['json', 'stream', 'slow']
const MODE_LABEL: Record<Mode, string> = { json: 'non-stream', stream: 'stream', slow: 'slow stream' }
/** Issue #14's targets: metering's own CPU (on minus off) and the whole gateway's CPU against the bare forwarder's. */
const METER_COST_TARGET_US: Record<Mode, number> = { json: 40, stream: 40, slow: 60 }
const CPU_RATIO_TARGET: Record<Mode, number> = { json: 2.5, stream: 2.5, slow: 1.5 }
const SLOW_CONCURRENCY = 256
/** Closed-loop concurrencies per mode: slow streams run only at SLOW_CONCURRENCY (each lasts about 2 s). */
const concurrencyFor = (mode: Mode): readonly number[] => (mode === 'slow' ? [SLOW_CONCURRENCY] : CONCURRENCY)

interface Cell {
  target: Target
  mode: Mode
  /** Closed loop: workers; open loop: the load process's nominal value (unused). */
  concurrency: number
  /** Open loop only: offered requests per second. */
  rate?: number
  result: LoadResult
  /** CPU time (user+sys) the target's own server process spent per request: mock, bare forwarder or gateway. */
  cpuUsPerRequest: number
  /** The same, for the server's main thread only: the thread that runs the proxy (Bun's HTTP client, the metering
   *  worker, GC and JIT helpers run on others). */
  mainThreadUsPerRequest: number
  /** The same, for its JS worker threads (the metering worker). */
  workerUsPerRequest: number
}

/** The parent's env without SOCIARO_* (so a developer's shell cannot change what is measured). */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('SOCIARO_')) env[name] = value
  return env
}

function requestHeaders(mode: Mode): Record<string, string> {
  return mode === 'slow' ? { 'x-bench-slow': '1' } : {}
}

function requestBody(mode: Mode): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Say hello to the benchmark.' },
    ],
    ...(mode !== 'json' ? { stream: true, stream_options: { include_usage: true } } : {}),
  })
}

/** One slice of load from the chosen generator; `bunOnly` for the soak, which checks every stream's tail. */
async function runLoad(spec: LoadSpec, bunOnly = false): Promise<LoadResult> {
  return LOADGEN === 'wrk' && !bunOnly ? runWrk(spec) : runBunLoad(spec)
}

async function runBunLoad(spec: LoadSpec): Promise<LoadResult> {
  const proc = track(
    Bun.spawn([BUN, join(import.meta.dir, 'load.ts'), JSON.stringify(spec)], {
      cwd: ROOT,
      env: { ...baseEnv(), ...FETCH_CAP },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    }),
  )
  const killer = setTimeout(() => proc.kill('SIGKILL'), (spec.seconds + spec.warmupSeconds + 30) * 1000)
  try {
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    if (code !== 0) throw new Error(`load generator exited ${code}: ${err.trim().slice(0, 500)}`)
    return JSON.parse(out.trim().split('\n').pop()!) as LoadResult
  } finally {
    clearTimeout(killer)
  }
}

/** Merges the slices of one cell (same target, mode, concurrency) into one result. */
function merge(parts: LoadResult[]): LoadResult {
  const all = new Float64Array(parts.reduce((n, p) => n + (p.latenciesUs?.length ?? 0), 0))
  let at = 0
  for (const p of parts) for (const us of p.latenciesUs ?? []) all[at++] = us / 1000
  all.sort()
  const requests = parts.reduce((n, p) => n + p.requests, 0)
  const seconds = parts.reduce((n, p) => n + p.seconds, 0)
  const sum = all.reduce((a, b) => a + b, 0)
  const errorSample = parts.find((p) => p.errorSample)?.errorSample
  return {
    url: parts[0]!.url,
    concurrency: parts[0]!.concurrency,
    seconds,
    requests,
    errors: parts.reduce((n, p) => n + p.errors, 0),
    allRequests: parts.reduce((n, p) => n + p.allRequests, 0),
    rps: requests / seconds,
    p50: percentile(all, 0.5),
    p90: percentile(all, 0.9),
    p99: percentile(all, 0.99),
    max: all.length ? all[all.length - 1]! : NaN,
    mean: all.length ? sum / all.length : NaN,
    bytesPerResponse: requests ? parts.reduce((n, p) => n + p.bytesPerResponse * p.requests, 0) / requests : 0,
    ...(errorSample ? { errorSample } : {}),
    ...(parts[0]!.rate
      ? {
          rate: parts[0]!.rate,
          sendLagP99: Math.max(...parts.map((p) => p.sendLagP99 ?? NaN)),
          sendLagMax: Math.max(...parts.map((p) => p.sendLagMax ?? NaN)),
        }
      : {}),
  }
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const signed = (n: number, digits = 2) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(digits)}` : 'n/a')
const mb = (kb: number | undefined) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(1)} MB`)

function table(cells: Cell[]): string {
  const find = (t: Target, m: Mode, c: number) => cells.find((x) => x.target === t && x.mode === m && x.concurrency === c)?.result
  const lines = [
    '| target | mode | conc | req/s | p50 ms | p99 ms | errors | × direct | × bare | +p99 vs direct ms | +p99 vs bare ms | server CPU µs/req | of which main (proxy) thread | of which worker threads |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const mode of MODES) {
    for (const c of concurrencyFor(mode)) {
      const direct = find('direct', mode, c)
      const bare = find('bare', mode, c)
      for (const target of TARGETS) {
        const cell = cells.find((x) => x.target === target && x.mode === mode && x.concurrency === c)
        if (!cell) continue
        const r = cell.result
        const vsDirect = direct ? r.rps / direct.rps : NaN
        const vsBare = bare ? r.rps / bare.rps : NaN
        lines.push(
          `| ${TARGET_LABEL[target]} | ${MODE_LABEL[mode]} | ${c} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors} | ${fmt(vsDirect)} | ${fmt(vsBare)} | ` +
            `${target === 'direct' ? '—' : signed(r.p99 - (direct?.p99 ?? NaN))} | ${isGateway(target) ? signed(r.p99 - (bare?.p99 ?? NaN)) : '—'} | ${fmt(cell.cpuUsPerRequest, 0)} | ${fmt(cell.mainThreadUsPerRequest, 0)} | ${fmt(cell.workerUsPerRequest, 0)} |`,
        )
      }
    }
  }
  return lines.join('\n')
}

function verdicts(cells: Cell[]): string[] {
  const find = (t: Target, m: Mode, c: number) => cells.find((x) => x.target === t && x.mode === m && x.concurrency === c)?.result
  const out: string[] = []
  for (const mode of MODES) {
    for (const c of concurrencyFor(mode)) {
      const gw = find('gateway', mode, c)
      const bare = find('bare', mode, c)
      if (!gw || !bare) continue
      const ratio = gw.rps / bare.rps
      out.push(`${ratio >= 0.85 ? 'PASS' : 'FAIL'} throughput ${MODE_LABEL[mode]} c=${c}: gateway ${fmt(ratio)}× bare forwarder (target ≥ 0.85×)`)
      const gwCell = cells.find((x) => x.target === 'gateway' && x.mode === mode && x.concurrency === c)!
      const bareCell = cells.find((x) => x.target === 'bare' && x.mode === mode && x.concurrency === c)!
      out.push(
        `INFO server CPU ${MODE_LABEL[mode]} c=${c}: gateway ${fmt(gwCell.cpuUsPerRequest, 0)} µs/req vs bare ${fmt(bareCell.cpuUsPerRequest, 0)} µs/req ` +
          `(${fmt(bareCell.cpuUsPerRequest / gwCell.cpuUsPerRequest)}× — the noise-resistant view of the throughput target)`,
      )
      const off = find('gateway-off', mode, c)
      const offCell = cells.find((x) => x.target === 'gateway-off' && x.mode === mode && x.concurrency === c)
      if (off && offCell) {
        const core = off.rps / bare.rps
        out.push(
          `${core >= 0.85 ? 'PASS' : 'FAIL'} throughput ${MODE_LABEL[mode]} c=${c}: gateway (metering off) ${fmt(core)}× bare forwarder (target ≥ 0.85×); ` +
            `server CPU ${fmt(offCell.cpuUsPerRequest, 0)} vs ${fmt(bareCell.cpuUsPerRequest, 0)} µs/req`,
        )
        out.push(
          `INFO main-thread CPU ${MODE_LABEL[mode]} c=${c}: gateway ${fmt(gwCell.mainThreadUsPerRequest, 0)}, metering off ${fmt(offCell.mainThreadUsPerRequest, 0)}, ` +
            `bare ${fmt(bareCell.mainThreadUsPerRequest, 0)} µs/req (the rest of each process's CPU is on other threads: HTTP client, meter worker, GC, JIT)`,
        )
        const meterCost = gwCell.cpuUsPerRequest - offCell.cpuUsPerRequest
        out.push(
          `${meterCost <= METER_COST_TARGET_US[mode] ? 'PASS' : 'FAIL'} metering's own cost ${MODE_LABEL[mode]} c=${c}: ${signed(meterCost, 0)} µs/req ` +
            `(on ${fmt(gwCell.cpuUsPerRequest, 0)} − off ${fmt(offCell.cpuUsPerRequest, 0)}, all threads; target ≤ ${METER_COST_TARGET_US[mode]} µs); ` +
            `proxy thread ${signed(gwCell.mainThreadUsPerRequest - offCell.mainThreadUsPerRequest, 0)}, worker threads ${fmt(gwCell.workerUsPerRequest, 0)} µs/req`,
        )
        const cpuRatio = gwCell.cpuUsPerRequest / bareCell.cpuUsPerRequest
        out.push(
          `${cpuRatio <= CPU_RATIO_TARGET[mode] ? 'PASS' : 'FAIL'} gateway (metering on) CPU per request ${MODE_LABEL[mode]} c=${c}: ${fmt(cpuRatio)}× the bare forwarder's ` +
            `(target ≤ ${CPU_RATIO_TARGET[mode]}×); throughput ${fmt(ratio)}× (${ratio >= 0.5 ? 'PASS' : 'FAIL'} against ≥ 0.5×)`,
        )
        const meter = gw.rps / off.rps
        out.push(
          `${meter >= 0.9 ? 'PASS' : 'FAIL'} metering on vs off throughput ${MODE_LABEL[mode]} c=${c}: ${fmt(meter)}× (target ≥ 0.90×); ` +
            `server CPU on ${fmt(gwCell.cpuUsPerRequest, 0)} µs/req, off ${fmt(offCell.cpuUsPerRequest, 0)} µs/req`,
        )
      }
      // Closed loop on this box is CPU-saturated at any concurrency, so its latency is queueing, not "moderate load":
      // the ≤ 1 ms target is judged in the open-loop section.
      out.push(`INFO added p99 ${MODE_LABEL[mode]} c=${c}: ${signed(gw.p99 - bare.p99)} ms vs bare forwarder (saturated; the ≤ 1 ms target is judged open loop)`)
    }
  }
  const errors = cells.reduce((sum, cell) => sum + cell.result.errors, 0)
  out.push(`${errors === 0 ? 'PASS' : 'FAIL'} errors: ${errors} across all closed-loop cells`)
  return out
}

function openTable(cells: Cell[]): string {
  const find = (t: Target, m: Mode) => cells.find((x) => x.target === t && x.mode === m)?.result
  const lines = [
    '| target | mode | offered req/s | done req/s | p50 ms | p99 ms | max ms | errors | +p99 vs direct ms | +p99 vs bare ms | server CPU µs/req | load-gen send lag p99 / max ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const mode of MODES) {
    const direct = find('direct', mode)
    const bare = find('bare', mode)
    for (const target of TARGETS) {
      const cell = cells.find((x) => x.target === target && x.mode === mode)
      if (!cell) continue
      const r = cell.result
      lines.push(
        `| ${TARGET_LABEL[target]} | ${MODE_LABEL[mode]} | ${fmt(cell.rate ?? NaN, 0)} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${r.errors} | ` +
          `${target === 'direct' ? '—' : signed(r.p99 - (direct?.p99 ?? NaN))} | ${isGateway(target) ? signed(r.p99 - (bare?.p99 ?? NaN)) : '—'} | ` +
          `${fmt(cell.cpuUsPerRequest, 0)} | ${fmt(r.sendLagP99 ?? NaN)} / ${fmt(r.sendLagMax ?? NaN)} |`,
      )
    }
  }
  return lines.join('\n')
}

function openVerdicts(cells: Cell[]): string[] {
  const find = (t: Target, m: Mode) => cells.find((x) => x.target === t && x.mode === m)
  const out: string[] = []
  for (const mode of MODES) {
    const direct = find('direct', mode)?.result
    const bare = find('bare', mode)?.result
    const gw = find('gateway', mode)
    const off = find('gateway-off', mode)
    if (!bare || !gw) continue
    const added = gw.result.p99 - bare.p99
    out.push(
      `${added <= 1 ? 'PASS' : 'FAIL'} ≤ 1 ms added p99 vs bare forwarder at moderate load (open loop ${fmt(RATE, 0)} req/s) ${MODE_LABEL[mode]}: ` +
        `gateway ${signed(added)} ms (p99 ${fmt(gw.result.p99)} vs ${fmt(bare.p99)} ms)`,
    )
    if (off) {
      const offAdded = off.result.p99 - bare.p99
      out.push(
        `${offAdded <= 1 ? 'PASS' : 'FAIL'} ≤ 1 ms added p99 vs bare forwarder at moderate load ${MODE_LABEL[mode]}: gateway (metering off) ${signed(offAdded)} ms ` +
          `(p99 ${fmt(off.result.p99)} vs ${fmt(bare.p99)} ms; p50 ${signed(off.result.p50 - bare.p50)} ms)`,
      )
    }
    if (direct) out.push(`INFO added p99 ${MODE_LABEL[mode]}: gateway ${signed(gw.result.p99 - direct.p99)} ms vs direct (bare forwarder ${signed(bare.p99 - direct.p99)} ms)`)
    if (off) {
      out.push(
        `INFO server CPU at ${fmt(RATE, 0)} req/s ${MODE_LABEL[mode]}: gateway ${fmt(gw.cpuUsPerRequest, 0)} µs/req, metering off ${fmt(off.cpuUsPerRequest, 0)} µs/req, ` +
          `bare ${fmt(find('bare', mode)!.cpuUsPerRequest, 0)} µs/req`,
      )
    }
  }
  const errors = cells.reduce((sum, cell) => sum + cell.result.errors, 0)
  out.push(`${errors === 0 ? 'PASS' : 'FAIL'} errors: ${errors} across all open-loop cells`)
  const slowest = cells.reduce((m, c) => Math.max(m, c.result.rps > 0 ? (c.rate ?? 0) / c.result.rps : Infinity), 0)
  // wrk's random pauses start after each response and its timers are coarse, so it paces ~5 % under the nominal rate.
  const tolerance = LOADGEN === 'wrk' ? 1.1 : 1.05
  if (slowest > tolerance) {
    out.push(`WARN some target completed < ${fmt(100 / tolerance, 0)}% of the offered rate (offered/done up to ${fmt(slowest)}×): it was overloaded, not at moderate load`)
  }
  return out
}

interface Soak {
  seconds: number
  streams: number
  result: LoadResult
  samples: Array<[number, number]>
}

/** Least-squares slope of kB over seconds, in MB per minute. */
function slopeMbPerMin(samples: Array<[number, number]>): number {
  if (samples.length < 2) return NaN
  const n = samples.length
  const mx = samples.reduce((a, [t]) => a + t, 0) / n
  const my = samples.reduce((a, [, kb]) => a + kb, 0) / n
  let num = 0
  let den = 0
  for (const [t, kb] of samples) {
    num += (t - mx) * (kb - my)
    den += (t - mx) ** 2
  }
  return den > 0 ? ((num / den) * 60) / 1024 : NaN
}

function soakReport(soak: Soak): { lines: string[]; verdicts: string[] } {
  const { samples, result } = soak
  // RSS saws up and down by tens of MB with GC, so "at 10 s" and "end" are medians of 5 one-second samples
  // (8–12 s, and the last 5 s of load) rather than single samples that land anywhere on the sawtooth.
  const during = samples.filter(([t]) => t <= soak.seconds)
  const median = (xs: number[]) => (xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] : undefined)
  const start = samples[0]?.[1]
  const end = median(during.slice(-5).map(([, kb]) => kb))
  const peak = samples.reduce((m, [, kb]) => Math.max(m, kb), 0)
  const baseline = median(during.filter(([t]) => t >= SOAK_BASELINE_S - 2 && t <= SOAK_BASELINE_S + 2).map(([, kb]) => kb))
  const after = samples[samples.length - 1]?.[1]
  const secondHalf = during.filter(([t]) => t >= soak.seconds / 2)
  const slope = slopeMbPerMin(secondHalf)
  const every5: string[] = []
  for (let t = 0; t <= soak.seconds + 5; t += 5) {
    const s = samples.find(([at]) => at >= t)
    if (s) every5.push((s[1] / 1024).toFixed(0))
  }
  const lines = [
    `${soak.streams} concurrent slow streams (100 chunks, 20 ms apart ≈ 2 s each) for ${soak.seconds} s against the gateway (metering on); VmRSS sampled every 1 s.`,
    '',
    '| streams completed | errors / truncated | RSS start | RSS at 10 s | RSS peak | RSS end | end vs 10 s | slope, second half | RSS after load |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${result.requests} | ${result.errors} | ${mb(start)} | ${mb(baseline)} | ${mb(peak)} | ${mb(end)} | ` +
      `${baseline && end ? `${signed(((end - baseline) / baseline) * 100, 1)} %` : 'n/a'} | ${signed(slope)} MB/min | ${mb(after)} |`,
    '',
    `"at 10 s" = median of the samples at 8–12 s; "end" = median of the last 5 samples under load; slope = least squares over the second half ` +
      `(GC sawtooth of ± tens of MB makes a short window's slope noisy: read it with the 5-s series below).`,
    '',
    `RSS every 5 s (MB): ${every5.join(', ')}`,
    `stream latency (start → [DONE]): p50 ${fmt(result.p50, 0)} ms, p99 ${fmt(result.p99, 0)} ms, max ${fmt(result.max, 0)} ms` +
      (result.errorSample ? `; first error: ${result.errorSample}` : ''),
  ]
  const flat = baseline !== undefined && end !== undefined && end <= baseline * (1 + SOAK_FLAT_TOLERANCE)
  const verdicts = [
    `${flat ? 'PASS' : 'FAIL'} memory flat: RSS end ${mb(end)} vs ${mb(baseline)} after ${SOAK_BASELINE_S} s (${baseline && end ? signed(((end - baseline) / baseline) * 100, 1) : 'n/a'} %, ` +
      `target within +${SOAK_FLAT_TOLERANCE * 100} %); peak ${mb(peak)}; second-half slope ${signed(slope)} MB/min`,
    `${result.errors === 0 && result.requests > 0 ? 'PASS' : 'FAIL'} soak streams complete: ${result.requests} ended with data: [DONE], ${result.errors} errors or truncated`,
  ]
  return { lines, verdicts }
}

/** This checkout's gateway against the compared checkout's, cell by cell: throughput and CPU per request by thread. */
function compareTable(cells: Cell[]): string {
  const lines = [
    '| mode | load | req/s after / before | CPU µs/req after / before | proxy thread after / before | worker threads after / before | metering off (after) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ]
  for (const cell of cells) {
    if (cell.target !== 'gateway') continue
    const same = (t: Target) => cells.find((x) => x.target === t && x.mode === cell.mode && x.concurrency === cell.concurrency && x.rate === cell.rate)
    const base = same('gateway-base')
    const off = same('gateway-off')
    if (!base) continue
    lines.push(
      `| ${MODE_LABEL[cell.mode]} | ${cell.rate ? `${cell.rate} req/s open` : `c=${cell.concurrency}`} | ${fmt(cell.result.rps, 0)} / ${fmt(base.result.rps, 0)} | ` +
        `${fmt(cell.cpuUsPerRequest, 0)} / ${fmt(base.cpuUsPerRequest, 0)} | ${fmt(cell.mainThreadUsPerRequest, 0)} / ${fmt(base.mainThreadUsPerRequest, 0)} | ` +
        `${fmt(cell.workerUsPerRequest, 0)} / ${fmt(base.workerUsPerRequest, 0)} | ${fmt(off?.cpuUsPerRequest ?? NaN, 0)} |`,
    )
  }
  return lines.join('\n')
}

/**
 * Stops a metering gateway (SIGTERM: its meter drains) and checks its usage rows: at least one complete 200 row per
 * response the load generators counted, no more rows than those plus the requests possibly in flight when a slice
 * ended, and every complete row priced, with one price per kind of request (the mock's usage is fixed).
 */
async function usageRowsCheck(
  name: string,
  gateway: { proc: { pid: number; kill(signal?: number | NodeJS.Signals): void; exited: Promise<number> }; db: string },
  responses: number,
  inFlightBound: number,
  /** Filled with each usage's price ("status cost"), to compare two checkouts. */
  priced?: Map<string, string>,
): Promise<string[]> {
  gateway.proc.kill('SIGTERM')
  const exited = await Promise.race([gateway.proc.exited.then(() => true), Bun.sleep(60_000).then(() => false)])
  if (!exited) return [`FAIL usage rows ${name}: the gateway did not stop within 60 s of SIGTERM`]
  const db = new Database(gateway.db, { readonly: true })
  try {
    const { total, complete } = db.query('SELECT count(*) AS total, coalesce(sum(status = 200 AND ended_by = \'complete\'), 0) AS complete FROM usage_events').get() as { total: number; complete: number }
    const prices = db
      .query(
        `SELECT streamed, cost_status AS status, cost_micros AS cost, input_tokens AS input, output_tokens AS output, count(*) AS rows
           FROM usage_events WHERE status = 200 AND ended_by = 'complete' GROUP BY 1, 2, 3, 4, 5 ORDER BY rows DESC`,
      )
      .all() as { streamed: number; status: string; cost: number | null; input: number; output: number; rows: number }[]
    const countOk = complete >= responses && total <= responses + inFlightBound
    // Each kind of exchange (JSON, the 20-chunk stream, the slow stream) carries fixed usage: one price per usage.
    const usageKey = (p: (typeof prices)[number]) => `${p.streamed ? 'stream' : 'json'} ${p.input} in / ${p.output} out`
    const pricesOf = new Map<string, Set<string>>()
    for (const p of prices) pricesOf.set(usageKey(p), (pricesOf.get(usageKey(p)) ?? new Set()).add(`${p.status} ${p.cost}`))
    const priceOk = prices.every((p) => p.status === 'priced' && p.cost !== null) && [...pricesOf.values()].every((set) => set.size === 1)
    if (priced) for (const p of prices) priced.set(usageKey(p), `${p.status} ${p.cost}`)
    return [
      `${countOk ? 'PASS' : 'FAIL'} usage rows ${name}: ${total} rows (${complete} complete 200s) for ${responses} responses counted by the load generators ` +
        `(target: ≥ one complete row per response, ≤ ${inFlightBound} more for requests in flight when a slice ended)`,
      `${priceOk ? 'PASS' : 'FAIL'} usage prices ${name}: ` +
        prices.map((p) => `${p.streamed ? 'stream' : 'json'} ${p.status} ${p.cost ?? 'null'} µ$ (${p.input} in / ${p.output} out) × ${p.rows}`).join('; '),
    ]
  } finally {
    db.close()
  }
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'sociaro-bench-'))
  const started = Date.now()
  let cleaning: Promise<void> | undefined
  let interrupted = false
  const cleanup = () =>
    (cleaning ??= (async () => {
      await killAll()
      rmSync(tmp, { recursive: true, force: true })
    })())
  const onSignal = (signal: string) => {
    if (interrupted) return
    interrupted = true
    console.error(`\n${signal}: stopping children`)
    cleanup().finally(() => process.exit(130))
  }
  process.on('SIGINT', () => onSignal('SIGINT'))
  process.on('SIGTERM', () => onSignal('SIGTERM'))
  process.on('exit', () => {
    killAllSync()
    rmSync(tmp, { recursive: true, force: true })
  })

  const gatewayLog = join(tmp, 'gateway.log')
  const gatewayOffLog = join(tmp, 'gateway-off.log')
  try {
    // 0. The usage-write micro-benchmark, alone on the machine before any server starts.
    const usageWrite = await usageWriteSection(ROOT)

    // 1. Mock upstream.
    const mock = track(
      Bun.spawn([BUN, join(import.meta.dir, 'mock-upstream.ts')], {
        cwd: ROOT, env: baseEnv(), stdin: 'ignore', stdout: 'pipe', stderr: Bun.file(join(tmp, 'mock.log')),
      }),
    )
    const mockInfo = JSON.parse(await readFirstLine(mock, 10_000)) as { url: string; jsonBytes: number }
    const upstream = mockInfo.url

    // 2. Bare forwarder.
    const bare = track(
      Bun.spawn([BUN, join(import.meta.dir, 'bare-forwarder.ts'), upstream], {
        cwd: ROOT, env: { ...baseEnv(), ...FETCH_CAP }, stdin: 'ignore', stdout: 'pipe', stderr: Bun.file(join(tmp, 'bare.log')),
      }),
    )
    const bareUrl = (JSON.parse(await readFirstLine(bare, 10_000)) as { url: string }).url

    // 3. The real gateway twice, each its own process with its own temp DB and key: metering on (as shipped) and
    //    SOCIARO_METERING=false. (`serve` re-execs itself in place to lift the fetch cap; the pid stays the same.)
    const startGateway = async (name: string, extraEnv: Record<string, string>, root = ROOT) => {
      const port = freePort()
      const url = `http://127.0.0.1:${port}`
      const proc = track(
        Bun.spawn([BUN, 'src/main.ts', 'serve'], {
          cwd: root,
          env: {
            ...baseEnv(),
            SOCIARO_HOST: '127.0.0.1',
            SOCIARO_PORT: String(port),
            SOCIARO_DATABASE_URL: `file:${join(tmp, `${name}.db`)}`,
            SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN,
            SOCIARO_SECRET_KEY: SECRET_KEY,
            SOCIARO_OPENAI_BASE_URL: upstream,
            SOCIARO_OPENAI_API_KEY: UPSTREAM_KEY,
            SOCIARO_LOG_LEVEL: GATEWAY_LOG_LEVEL,
            ...extraEnv,
          },
          stdin: 'ignore',
          stdout: Bun.file(join(tmp, `${name}.out`)),
          stderr: Bun.file(join(tmp, `${name}.log`)),
        }),
      )
      await waitFor200(`${url}/readyz`, 30_000, proc)
      const admin = async (path: string, body: unknown) => {
        const res = await fetch(`${url}/admin/v1${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
        const text = await res.text()
        if (res.status !== 201) throw new Error(`${name}: POST /admin/v1${path} → ${res.status}: ${text.slice(0, 300)}`)
        return JSON.parse(text) as Record<string, unknown>
      }
      await admin('/orgs', { name: 'bench' })
      const key = String((await admin('/keys', { org: 'bench' })).key)
      await waitFor200(`${url}/readyz`, 10_000, proc)
      return { proc, url, key, db: join(tmp, `${name}.db`) }
    }
    const gw = await startGateway('gateway', GATEWAY_EXTRA_ENV)
    const gwOff = await startGateway('gateway-off', { ...GATEWAY_EXTRA_ENV, SOCIARO_METERING: 'false' })
    const gwBase = COMPARE_ROOT ? await startGateway('gateway-base', GATEWAY_EXTRA_ENV, COMPARE_ROOT) : undefined
    const gateway = gw.proc

    const urls: Record<Target, string> = {
      direct: `${upstream}/v1/chat/completions`,
      bare: `${bareUrl}/v1/chat/completions`,
      gateway: `${gw.url}/openai/v1/chat/completions`,
      'gateway-off': `${gwOff.url}/openai/v1/chat/completions`,
      'gateway-base': `${gwBase?.url}/openai/v1/chat/completions`,
    }
    const headersFor = (target: Target): Record<string, string> => ({
      'content-type': 'application/json',
      authorization: `Bearer ${target === 'gateway' ? gw.key : target === 'gateway-off' ? gwOff.key : target === 'gateway-base' ? gwBase!.key : UPSTREAM_KEY}`,
    })
    const serverPid: Record<Target, number> = { direct: mock.pid, bare: bare.pid, gateway: gw.proc.pid, 'gateway-off': gwOff.proc.pid, 'gateway-base': gwBase?.proc.pid ?? 0 }
    const assertGatewaysAlive = () => {
      for (const [name, proc] of [['gateway', gw.proc], ['gateway (metering off)', gwOff.proc], ...(gwBase ? [['gateway (compared checkout)', gwBase.proc] as const] : [])] as const) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}) during the run`)
      }
    }

    // Idle memory right after start-up (nothing proxied yet), then after one request of each kind (what the first
    // requests load: price data, the meter's code paths).
    const startupKb = { on: await procStatusKb(gateway.pid, 'VmRSS'), off: await procStatusKb(gwOff.proc.pid, 'VmRSS'), base: gwBase ? await procStatusKb(gwBase.proc.pid, 'VmRSS') : undefined }
    // Smoke check: every target answers 200 with the expected shape before any load.
    for (const target of TARGETS) {
      for (const mode of MODES) {
        if (mode === 'slow') continue
        const res = await fetch(urls[target], { method: 'POST', headers: headersFor(target), body: requestBody(mode) })
        const text = await res.text()
        const ok = res.status === 200 && (mode === 'stream' ? text.endsWith('data: [DONE]\n\n') : text.includes('"chat.completion"'))
        if (!ok) throw new Error(`smoke check failed for ${target}/${mode}: HTTP ${res.status} ${text.slice(0, 300)}`)
        if (isGateway(target) && !res.headers.get('x-sociaro-request-id')) throw new Error(`${target} response lacks x-sociaro-request-id`)
      }
    }

    await Bun.sleep(1000)
    const gatewayIdleKb = await procStatusKb(gateway.pid, 'VmRSS')
    const gatewayOffIdleKb = await procStatusKb(gwOff.proc.pid, 'VmRSS')
    const gatewayBaseIdleKb = gwBase ? await procStatusKb(gwBase.proc.pid, 'VmRSS') : undefined
    const cpu = cpus()
    const header = [
      `Sociaro benchmark — ${new Date().toISOString()}`,
      `Bun ${Bun.version}, ${cpu.length} CPU (${cpu[0]?.model ?? 'unknown'}), keep-alive, all on 127.0.0.1; targets: direct (mock), bare forwarder, gateway, gateway (metering off)`,
      `load generator: ${LOADGEN === 'wrk' ? 'wrk (C, one thread); open loop = at least 50 connections, each pausing a random 0..2·connections/rate s between requests, latency from send' : 'load.ts (Bun); open loop = fixed schedule, latency from the scheduled start'}; the soak always uses load.ts`,
      `closed loop: ${SECONDS}s per cell in ${ROUNDS} interleaved slices (each after ${WARMUP}s warm-up); open loop: ${RATE} req/s for ${OPEN_SECONDS}s per target and mode, ` +
        `same slicing; soak: ${SOAK_STREAMS} slow streams for ${SOAK_SECONDS}s`,
      `mock JSON reply ${mockInfo.jsonBytes} B; stream = 20 data: chunks + [DONE]; gateway log level ${GATEWAY_LOG_LEVEL}` +
        (Object.keys(GATEWAY_EXTRA_ENV).length ? `, extra gateway env ${Object.entries(GATEWAY_EXTRA_ENV).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''),
      `slow stream = the mock's 100 chunks 20 ms apart, ${SLOW_CONCURRENCY} connections (closed loop only)` +
        (COMPARE_ROOT ? `; compared checkout: ${COMPARE_ROOT}` : '') + `; load average at start ${loadavg().map((n) => n.toFixed(2)).join(' ')} (the machine may be shared)`,
    ]
    console.log(header.join('\n'))
    if (LOADGEN === 'bun' && !process.env.BENCH_LOADGEN) {
      console.log('note: wrk is not installed, so the Bun load generator is used; its own CPU and GC pauses flatter ratios and blur p99 (apt-get install wrk)')
    }

    /** Runs one cell as ROUNDS slices interleaved across targets (rotating the order) so that drift and neighbours' noise
     *  on a small shared machine hit every target alike; returns one merged Cell per target with its server CPU per request. */
    /** Responses each target's load generators counted (the usage check below compares the gateway's rows with them). */
    const sent = Object.fromEntries(TARGETS.map((t) => [t, 0])) as Record<Target, number>
    /** Requests the generators may have left in flight when a slice ended (at most one per connection per slice). */
    const cutAtSliceEnd = Object.fromEntries(TARGETS.map((t) => [t, 0])) as Record<Target, number>
    const measure = async (mode: Mode, concurrency: number, specFor: (target: Target) => LoadSpec, onSlice?: (target: Target) => (() => Promise<void>) | undefined) => {
      const parts = Object.fromEntries(TARGETS.map((t) => [t, [] as LoadResult[]])) as Record<Target, LoadResult[]>
      const cpuUsed = Object.fromEntries(TARGETS.map((t) => [t, { ms: 0, mainMs: 0, workerMs: 0, requests: 0 }])) as Record<Target, { ms: number; mainMs: number; workerMs: number; requests: number }>
      await waitQuiet(Object.values(serverPid))
      for (let round = 0; round < ROUNDS; round++) {
        const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]!)
        for (const target of order) {
          const done = onSlice?.(target)
          const cpuBefore = await procThreadsCpuMs(serverPid[target])
          const spec = specFor(target)
          cutAtSliceEnd[target] += spec.rate ? Math.max(50, Math.ceil(spec.rate / 20)) * 2 : spec.concurrency * 2 // the warm-up's and the slice's own end
          const part = await runLoad(spec)
          await waitQuiet(Object.values(serverPid)) // the target's deferred work (metering backlog, GC) is charged to it
          const cpuAfter = await procThreadsCpuMs(serverPid[target])
          parts[target].push(part)
          sent[target] += part.allRequests
          if (cpuBefore !== undefined && cpuAfter !== undefined) {
            cpuUsed[target].ms += cpuAfter.total - cpuBefore.total
            cpuUsed[target].mainMs += cpuAfter.main - cpuBefore.main
            cpuUsed[target].workerMs += cpuAfter.workers - cpuBefore.workers
            cpuUsed[target].requests += part.allRequests
          }
          await done?.()
          assertGatewaysAlive()
        }
      }
      const out: Cell[] = []
      for (const target of TARGETS) {
        const result = merge(parts[target])
        const cpuUsPerRequest = cpuUsed[target].requests > 0 ? (cpuUsed[target].ms * 1000) / cpuUsed[target].requests : NaN
        const mainThreadUsPerRequest = cpuUsed[target].requests > 0 ? (cpuUsed[target].mainMs * 1000) / cpuUsed[target].requests : NaN
        const workerUsPerRequest = cpuUsed[target].requests > 0 ? (cpuUsed[target].workerMs * 1000) / cpuUsed[target].requests : NaN
        const rate = specFor(target).rate
        out.push({ target, mode, concurrency, ...(rate ? { rate } : {}), result, cpuUsPerRequest, mainThreadUsPerRequest, workerUsPerRequest })
        console.log(
          `  ${TARGET_LABEL[target].padEnd(22)} ${MODE_LABEL[mode].padEnd(10)} ${rate ? `rate=${rate}` : `c=${concurrency}`.padEnd(4)} ${fmt(result.rps, 0).padStart(6)} req/s  ` +
            `p50 ${fmt(result.p50)} ms  p99 ${fmt(result.p99)} ms  errors ${result.errors}  cpu ${fmt(cpuUsPerRequest, 0)} µs/req  ` +
            `(slices: ${parts[target].map((p) => fmt(p.rps, 0)).join(' / ')} req/s)${result.errorSample ? `  ${result.errorSample}` : ''}`,
        )
      }
      return out
    }

    // A. Closed loop (saturation).
    console.log('\nclosed loop (saturation):')
    const cells: Cell[] = []
    let streamPeakKb: number | undefined
    for (const mode of MODES) {
      for (const concurrency of concurrencyFor(mode)) {
        const specFor = (target: Target): LoadSpec => ({
          url: urls[target],
          concurrency,
          // A slow stream lasts about 2 s: its slices are long enough to hold a few of them per connection.
          seconds: mode === 'slow' ? Math.max(SECONDS / ROUNDS, 6) : SECONDS / ROUNDS,
          warmupSeconds: mode === 'slow' ? Math.max(WARMUP, 2.5) : WARMUP,
          method: 'POST',
          headers: { ...headersFor(target), ...requestHeaders(mode) },
          body: requestBody(mode),
          raw: true,
          ...(mode === 'slow' ? { timeoutMs: 15_000 } : {}),
          ...(mode !== 'json' ? { expectTail: 'data: [DONE]\n\n' } : {}),
        })
        const sampleStreams = (target: Target) => {
          if (target !== 'gateway' || mode === 'json') return undefined
          const sampler = rssSampler(gateway.pid)
          return async () => {
            const peak = await sampler.stop()
            if (peak !== undefined) streamPeakKb = Math.max(streamPeakKb ?? 0, peak)
          }
        }
        cells.push(...(await measure(mode, concurrency, specFor, sampleStreams)))
      }
    }

    // B. Open loop (moderate load): requests start on a fixed schedule, latency from the scheduled start.
    console.log(`\nopen loop (${RATE} req/s):`)
    const openCells: Cell[] = []
    for (const mode of MODES) {
      if (mode === 'slow') continue
      const specFor = (target: Target): LoadSpec => ({
        url: urls[target],
        concurrency: 1,
        rate: RATE,
        seconds: OPEN_SECONDS / ROUNDS,
        warmupSeconds: WARMUP,
        method: 'POST',
        headers: headersFor(target),
        body: requestBody(mode),
        raw: true,
        timeoutMs: 10_000,
        ...(mode === 'stream' ? { expectTail: 'data: [DONE]\n\n' } : {}),
      })
      openCells.push(...(await measure(mode, 1, specFor)))
    }

    // C. Streaming soak: many long slow streams through the gateway (metering on), VmRSS every second.
    let soak: Soak | undefined
    if (SOAK_SECONDS > 0) {
      console.log(`\nstreaming soak: ${SOAK_STREAMS} concurrent slow streams for ${SOAK_SECONDS} s against the gateway…`)
      const series = rssSeries(gateway.pid, 1000)
      const result = await runLoad({
        url: urls.gateway,
        concurrency: SOAK_STREAMS,
        seconds: SOAK_SECONDS,
        warmupSeconds: 0,
        method: 'POST',
        headers: { ...headersFor('gateway'), 'x-bench-slow': '1' },
        body: requestBody('stream'),
        expectTail: 'data: [DONE]\n\n',
      }, true)
      const samples = await series.stop()
      assertGatewaysAlive()
      soak = { seconds: SOAK_SECONDS, streams: SOAK_STREAMS, result, samples }
      console.log(`  ${result.requests} streams, ${result.errors} errors, ${samples.length} RSS samples`)
    }
    const hwmKb = await procStatusKb(gateway.pid, 'VmHWM')

    // E. Nothing lost or changed: the metering gateways stop (SIGTERM drains the meter) and their usage rows are counted
    //    against the responses the load generators got, and their prices compared.
    const smokeRequests = MODES.filter((m) => m !== 'slow').length
    const pricedHere = new Map<string, string>()
    const pricedThere = new Map<string, string>()
    const usageLines = [
      await usageRowsCheck('gateway', gw, sent.gateway + smokeRequests + (soak?.result.allRequests ?? 0), cutAtSliceEnd.gateway + (soak ? SOAK_STREAMS : 0), pricedHere),
      ...(gwBase ? [await usageRowsCheck('gateway (compared checkout)', gwBase, sent['gateway-base'] + smokeRequests, cutAtSliceEnd['gateway-base'], pricedThere)] : []),
    ]
    if (gwBase) {
      const shared = [...pricedHere.keys()].filter((usage) => pricedThere.has(usage))
      const differ = shared.filter((usage) => pricedHere.get(usage) !== pricedThere.get(usage))
      usageLines.push([
        `${shared.length > 0 && differ.length === 0 ? 'PASS' : 'FAIL'} priced as before: ${shared.length} kinds of usage in both checkouts, ${differ.length} priced differently` +
          (differ.length ? ` (${differ.map((usage) => `${usage}: ${pricedHere.get(usage)} vs ${pricedThere.get(usage)}`).join('; ')})` : ''),
      ])
    }

    // D. Proxy p99 while a reprice of 100k rows or 90-day usage queries run (its own gateway on seeded rows).
    let adminReads: string[] | undefined
    if (ADMIN_READS_SECONDS > 0 && LOADGEN === 'wrk') {
      console.log('\nadmin work under load: seeding 100k usage rows, then reprice and 90-day usage queries against idle…')
      adminReads = await adminReadsScenario()
    }

    const soakOut = soak ? soakReport(soak) : undefined
    const rss = [
      `Gateway memory: right after start-up ${mb(startupKb.on)} RSS (metering off: ${mb(startupKb.off)}${gwBase ? `; compared checkout ${mb(startupKb.base)}` : ''}); ` +
        `idle after one request of each kind ${mb(gatewayIdleKb)} (metering off: ${mb(gatewayOffIdleKb)}${gwBase ? `; compared checkout ${mb(gatewayBaseIdleKb)}` : ''}); ` +
        `peak sampled VmRSS during closed-loop streaming cells ${mb(streamPeakKb)}; VmHWM (lifetime peak) at end ${mb(hwmKb)}`,
      '',
      '```',
      `${(gatewayIdleKb ?? Infinity) <= 90 * 1024 ? 'PASS' : 'FAIL'} idle RSS with metering on ≤ 90 MB (after one request of each kind): ${mb(gatewayIdleKb)}`,
      '```',
    ]
    const allErrors =
      cells.reduce((sum, cell) => sum + cell.result.errors, 0) + openCells.reduce((sum, cell) => sum + cell.result.errors, 0) + (soak?.result.errors ?? 0)
    const sections = [
      '## Closed loop (saturation: throughput and CPU per request)',
      '',
      table(cells),
      '',
      '```',
      ...verdicts(cells),
      '```',
      '',
      `## Open loop (moderate load: ${RATE} req/s)`,
      '',
      openTable(openCells),
      '',
      '```',
      ...openVerdicts(openCells),
      '```',
      '',
      '## Streaming soak (memory)',
      '',
      ...(soakOut ? [...soakOut.lines, '', '```', ...soakOut.verdicts, '```'] : ['skipped (BENCH_SOAK_SECONDS=0)']),
      '',
      ...rss,
      '',
      '## Usage rows (one per request, priced as before)',
      '',
      '```',
      ...usageLines.flat(),
      '```',
      '',
      ...(gwBase ? ['## Before / after (this checkout vs the compared one, same run)', '', compareTable([...cells, ...openCells]), ''] : []),
      '## Usage writes (seeded micro-benchmark, test/bench/usage-write.ts)',
      '',
      ...usageWrite,
      '',
      '## Admin work under load (proxy p99 while a reprice and 90-day usage queries run)',
      '',
      ...(adminReads ?? [ADMIN_READS_SECONDS > 0 ? 'skipped (needs wrk)' : 'skipped (BENCH_ADMIN_READS_SECONDS=0)']),
      '',
      `${allErrors === 0 ? 'PASS' : 'FAIL'} errors: ${allErrors} in total`,
      '',
      `Total wall time ${((Date.now() - started) / 1000).toFixed(0)} s.`,
      '',
    ]
    const report = [...header.map((line) => `${line}  `), '', ...sections].join('\n')
    console.log(`\n${sections.join('\n')}`)
    mkdirSync(join(import.meta.dir, 'results'), { recursive: true })
    writeFileSync(RESULTS, report)
    console.log(`wrote ${RESULTS}`)

    const totalErrors = allErrors
    if (totalErrors > 0) {
      for (const log of [gatewayLog, gatewayOffLog]) {
        let tail = ''
        try {
          tail = readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')
        } catch {}
        if (tail.trim()) console.log(`\n${log === gatewayLog ? 'gateway' : 'gateway (metering off)'} stderr (tail):\n${tail}`)
      }
    }
  } catch (error) {
    if (interrupted) return await new Promise<never>(() => {}) // the signal handler exits once cleanup is done
    for (const log of [gatewayLog, gatewayOffLog]) {
      let tail = ''
      try {
        tail = readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')
      } catch {}
      if (tail.trim()) console.error(`${log === gatewayLog ? 'gateway' : 'gateway (metering off)'} stderr (tail):\n${tail}`)
    }
    throw error
  } finally {
    await cleanup()
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
    process.exit(1)
  },
)
