// Load generator backed by wrk (C, from Debian's `wrk` package): same LoadSpec in, same LoadResult out as load.ts.
// A C client spends a fraction of a Bun client's CPU per request and has no GC pauses of its own, so the box's spare CPU
// and the latency tail belong to the servers being measured, not to the generator.
// A stream that does not end with spec.expectTail counts as an error, as in load.ts.
//  - closed loop: `concurrency` connections, each sending its next request when the previous one ends;
//  - moderate load (spec.rate): 50 connections (at least rate/20) each wait a random 0..2·C/rate s between requests, so
//    requests arrive spread out at about `rate` per second. wrk times a request from when it is sent; with every
//    connection idle most of the time a stall still delays the requests in flight and those due during it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LoadResult, LoadSpec } from './load.ts'

/** Quantiles reported per run (0.1 % steps), pooled by the runner to merge slices. */
const QUANTILE_STEPS = 1000

export function wrkPath(): string | null {
  return Bun.which('wrk')
}

function luaString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`
}

function script(spec: LoadSpec, connections: number): string {
  const lines = [`wrk.method = ${luaString(spec.method ?? 'POST')}`]
  if (spec.body !== undefined) lines.push(`wrk.body = ${luaString(spec.body)}`)
  for (const [name, value] of Object.entries(spec.headers ?? {})) lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`)
  if (spec.rate) {
    const meanGapMs = (connections * 1000) / spec.rate
    lines.push(`function delay() return math.random(0, ${Math.round(2 * meanGapMs)}) end`)
  }
  // A 200 whose body does not end as expected (a cut stream) is an error, as in load.ts. Each wrk thread counts in
  // its own Lua state; done() runs in another, so it collects the counts through the thread handles.
  lines.push(`
bad_tails = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end`)
  if (spec.expectTail !== undefined) {
    lines.push(`local tail = ${luaString(spec.expectTail)}
function response(status, headers, body)
  if status == 200 and body:sub(-#tail) ~= tail then bad_tails = bad_tails + 1 end
end`)
  }
  lines.push(`
done = function(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("bad_tails") end
  local e = summary.errors
  local q = {}
  for i = 1, ${QUANTILE_STEPS} do q[i] = latency:percentile(i * 100 / ${QUANTILE_STEPS}) end
  io.write(string.format('WRK {"requests":%d,"durationUs":%d,"bytes":%d,"badTails":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"meanUs":%f,"maxUs":%d,"quantilesUs":[%s]}\\n',
    summary.requests, summary.duration, summary.bytes, bad, e.connect, e.read, e.write, e.status, e.timeout, latency.mean, latency.max, table.concat(q, ",")))
end`)
  return lines.join('\n')
}

interface WrkSummary {
  requests: number
  durationUs: number
  bytes: number
  badTails: number
  errors: { connect: number; read: number; write: number; status: number; timeout: number }
  meanUs: number
  maxUs: number
  quantilesUs: number[]
}

async function wrk(bin: string, url: string, scriptPath: string, connections: number, seconds: number, timeoutMs: number): Promise<WrkSummary> {
  const proc = Bun.spawn([bin, '-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, `--timeout`, `${Math.ceil(timeoutMs / 1000)}s`, '-s', scriptPath, url], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  const line = out.split('\n').find((l) => l.startsWith('WRK '))
  if (code !== 0 || !line) throw new Error(`wrk exited ${code}: ${(err || out).trim().slice(0, 500)}`)
  return JSON.parse(line.slice(4)) as WrkSummary
}

export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const bin = wrkPath()
  if (!bin) throw new Error('wrk is not installed')
  const connections = spec.rate ? Math.max(50, Math.ceil(spec.rate / 20)) : spec.concurrency
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-wrk-'))
  try {
    const scriptPath = join(dir, 'load.lua')
    writeFileSync(scriptPath, script(spec, connections))
    const timeoutMs = spec.timeoutMs ?? 10_000
    const warm = spec.warmupSeconds > 0 ? await wrk(bin, spec.url, scriptPath, connections, spec.warmupSeconds, timeoutMs) : undefined
    const run = await wrk(bin, spec.url, scriptPath, connections, spec.seconds, timeoutMs)
    const seconds = run.durationUs / 1e6
    const e = run.errors
    const errors = e.connect + e.read + e.write + e.status + e.timeout + run.badTails
    const ok = Math.max(0, run.requests - e.status - run.badTails)
    const ms = (us: number) => us / 1000
    const q = run.quantilesUs
    return {
      url: spec.url,
      concurrency: connections,
      seconds,
      requests: ok,
      errors,
      rps: ok / seconds,
      p50: ms(q[Math.round(QUANTILE_STEPS * 0.5) - 1] ?? NaN),
      p90: ms(q[Math.round(QUANTILE_STEPS * 0.9) - 1] ?? NaN),
      p99: ms(q[Math.round(QUANTILE_STEPS * 0.99) - 1] ?? NaN),
      max: ms(run.maxUs),
      mean: ms(run.meanUs),
      bytesPerResponse: run.requests ? run.bytes / run.requests : 0,
      ...(errors > 0 ? { errorSample: `wrk: ${JSON.stringify({ ...e, badTails: run.badTails })}` } : {}),
      allRequests: run.requests + (warm?.requests ?? 0),
      ...(spec.rate ? { rate: spec.rate } : {}),
      // Quantiles stand in for raw samples: the runner pools slices of similar size, so equal weights are fair.
      ...(spec.raw ? { latenciesUs: q } : {}),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
