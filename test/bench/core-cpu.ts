// Proxy-thread CPU per request of the gateway core in process (`bun test/bench/core-cpu.ts`): no socket, no wrk, no Elysia
// listen; the pipeline, the stream pump and the whole metering path (stage, channel, spool, worker, settlements) as shipped.
// A closed loop of CORE_CONCURRENCY requests through `core.handle` against the bench's mock upstream (a child process, so
// its CPU is not counted), for each mode, metering on and off, each in a fresh child process of its own, interleaved over
// CORE_ROUNDS rounds. Prints CPU µs per request of the main thread (the proxy; the in-process client's own cost is in it
// and is the same for every target), the worker threads and the whole process, after the process is quiet again.
// CORE_COMPARE_ROOT=<another checkout> adds that checkout's core (metering on and off) to every round: an A/B in one run.
// CORE_STUB_WORKER=1 starts stub-meter-worker.ts instead of the metering worker: the proxy thread's share alone;
// CORE_NULL_METER=1 drops every job the meter stage makes; CORE_THREADS=1 prints each child's CPU by thread name.
// CORE_GATEWAY_ENV="SOCIARO_X=y,..." adds settings to every gateway (e.g. SOCIARO_SPOOL_PATH=off).
// Knobs: CORE_MODES (json,stream,slow), CORE_SECONDS (4), CORE_WARMUP_SECONDS (3, under load, not counted), CORE_ROUNDS (3), CORE_CONCURRENCY (16; slow streams 256).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { BUN, killAll, procThreadsCpuMs, readFirstLine, track } from './processes.ts'

type Mode = 'json' | 'stream' | 'slow'
interface Sample {
  requests: number
  errors: number
  seconds: number
  mainUs: number
  workerUs: number
  totalUs: number
}

const ROOT = resolve(import.meta.dir, '../..')
const WARMUP_S = Number(process.env.CORE_WARMUP_SECONDS ?? 3)

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]!) as { root: string; mode: Mode; metering: boolean; upstream: string; seconds: number; concurrency: number })
else await parent()

async function parent(): Promise<void> {
  const modes = (process.env.CORE_MODES ?? 'json,stream,slow').split(',').map((mode) => mode.trim()) as Mode[]
  const seconds = Number(process.env.CORE_SECONDS ?? 4)
  const rounds = Number(process.env.CORE_ROUNDS ?? 3)
  const concurrency = Number(process.env.CORE_CONCURRENCY ?? 16)
  const compare = process.env.CORE_COMPARE_ROOT ? resolve(process.env.CORE_COMPARE_ROOT) : undefined
  const targets = [
    { name: 'this, metering on', root: ROOT, metering: true },
    { name: 'this, metering off', root: ROOT, metering: false },
    ...(compare
      ? [
          { name: 'compared, metering on', root: compare, metering: true },
          { name: 'compared, metering off', root: compare, metering: false },
        ]
      : []),
  ]
  const mock = track(Bun.spawn([BUN, join(import.meta.dir, 'mock-upstream.ts')], { stdout: 'pipe', stderr: 'inherit', stdin: 'ignore' }))
  const { url } = JSON.parse(await readFirstLine(mock, 10_000)) as { url: string }
  const results = new Map<string, Sample[]>()
  try {
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        // Rotating order: drift on a shared machine hits every target alike.
        for (let i = 0; i < targets.length; i++) {
          const target = targets[(i + round) % targets.length]!
          const spec = { root: target.root, mode, metering: target.metering, upstream: url, seconds, concurrency: mode === 'slow' ? 256 : concurrency }
          const proc = Bun.spawn([BUN, import.meta.path, '--child', JSON.stringify(spec)], { stdout: 'pipe', stderr: 'inherit', stdin: 'ignore' })
          const out = await new Response(proc.stdout).text()
          if ((await proc.exited) !== 0) throw new Error(`${target.name} ${mode}: child failed`)
          const sample = JSON.parse(out.trim().split('\n').pop()!) as Sample
          const key = `${mode}\t${target.name}`
          results.set(key, [...(results.get(key) ?? []), sample])
          console.error(`round ${round + 1} ${mode.padEnd(6)} ${target.name.padEnd(24)} ${fmt(sample)}`)
        }
      }
    }
  } finally {
    await killAll()
  }
  console.log('\n| mode | target | requests | req/s | errors | main thread µs/req | worker µs/req | process µs/req |')
  console.log('|---|---|---:|---:|---:|---:|---:|---:|')
  for (const [key, samples] of results) {
    const [mode, name] = key.split('\t')
    const requests = samples.reduce((n, s) => n + s.requests, 0)
    const seconds = samples.reduce((n, s) => n + s.seconds, 0)
    const per = (field: 'mainUs' | 'workerUs' | 'totalUs') => samples.reduce((n, s) => n + s[field] * s.requests, 0) / requests
    console.log(`| ${mode} | ${name} | ${requests} | ${(requests / seconds).toFixed(0)} | ${samples.reduce((n, s) => n + s.errors, 0)} | ${per('mainUs').toFixed(1)} | ${per('workerUs').toFixed(1)} | ${per('totalUs').toFixed(1)} |`)
  }
}

/** A meter that takes every job and does nothing with it. */
function nullMeterOf() {
  const stats = { queuedJobs: 0, outstandingJobs: 0, outstandingBytes: 0, shedJobs: 0, workerPendingRows: 0, workerShedRows: 0, workerWriteFailures: 0, unspooledJobs: 0 }
  return {
    enqueue() {},
    command: async () => null as never,
    setPriceOverrides: async () => {},
    recordObjects: async () => {},
    recordLastUsed() {},
    stats: () => stats,
    liveness: () => ({ lastHeardAt: performance.now() }),
    drainAndStop: async () => true,
  }
}

/** Every thread's name and CPU ms (for CORE_THREADS=1: where the rest of the process's CPU goes). */
function threadCpu(): Map<string, { name: string; ms: number }> {
  const threads = new Map<string, { name: string; ms: number }>()
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      threads.set(tid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ms: (Number(fields[11]) + Number(fields[12])) * 10 })
    } catch {}
  }
  return threads
}

function fmt(s: Sample): string {
  return `${s.requests} req, ${s.errors} errors, main ${s.mainUs.toFixed(1)} µs/req, worker ${s.workerUs.toFixed(1)}, process ${s.totalUs.toFixed(1)}`
}

async function child(spec: { root: string; mode: Mode; metering: boolean; upstream: string; seconds: number; concurrency: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-core-cpu-'))
  const { loadConfig } = (await import(join(spec.root, 'src/config.ts'))) as typeof import('../../src/config.ts')
  const { createGatewayCore } = (await import(join(spec.root, 'src/gateway-core.ts'))) as typeof import('../../src/gateway-core.ts')
  const { silentLogger } = (await import(join(spec.root, 'src/log.ts'))) as typeof import('../../src/log.ts')
  const admin = 'core-cpu-admin-token-0123456789abcdef'
  const config = loadConfig({
    SOCIARO_DATABASE_URL: `file:${join(dir, 'gw.db')}`,
    SOCIARO_ADMIN_TOKEN: admin,
    SOCIARO_SECRET_KEY: 'core-cpu-secret-key-0123456789-abcdefghijklmnop',
    SOCIARO_OPENAI_BASE_URL: spec.upstream,
    SOCIARO_OPENAI_API_KEY: 'sk-core-cpu',
    SOCIARO_METERING: spec.metering ? 'true' : 'false',
    SOCIARO_JOB_POLLER: 'false',
    // As `make bench` runs the gateway: warn silences the access log.
    SOCIARO_LOG_LEVEL: 'warn',
    ...Object.fromEntries((process.env.CORE_GATEWAY_ENV ?? '').split(',').filter((pair) => pair.includes('=')).map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1)])),
  })
  // CORE_STUB_WORKER=1: the worker only decodes and answers (stub-meter-worker.ts, copied beside a compared checkout's).
  const stub = process.env.CORE_STUB_WORKER === '1' ? { startMeterWorker: () => new Worker(join(spec.root, 'test/bench/stub-meter-worker.ts')) } : {}
  // CORE_NULL_METER=1: the meter stage runs and every job it makes is dropped (what the channel and worker cost, by difference).
  const nullMeter = process.env.CORE_NULL_METER === '1' ? { meter: async () => nullMeterOf() } : {}
  const core = await createGatewayCore(config, { log: silentLogger, accessLogSink: { write: () => true, onDrain: () => {} }, ...stub, ...nullMeter })
  const call = (path: string, body: unknown) =>
    core.handle(new Request(`http://gateway.test/admin/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }))
  await call('/orgs', { name: 'bench' })
  const key = ((await (await call('/keys', { org: 'bench' })).json()) as { key: string }).key
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Say hello to the benchmark.' },
    ],
    ...(spec.mode !== 'json' ? { stream: true, stream_options: { include_usage: true } } : {}),
  })
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(spec.mode === 'slow' ? { 'x-bench-slow': '1' } : {}) }
  let requests = 0
  let errors = 0
  let running = true
  const one = async () => {
    const response = await core.handle(new Request('http://gateway.test/openai/v1/chat/completions', { method: 'POST', headers, body }))
    const text = await response.text()
    if (response.status !== 200 || (spec.mode !== 'json' && !text.endsWith('data: [DONE]\n\n'))) errors++
  }
  const worker = async () => {
    while (running) {
      await one()
      requests++
    }
  }
  // Warm-up under the same load (JIT tiers, keep-alive connections, the worker's first rows), then the measured window.
  const loops = Array.from({ length: spec.concurrency }, worker)
  await Bun.sleep(WARMUP_S * 1000)
  const threadsBefore = threadCpu()
  const before = (await procThreadsCpuMs(process.pid))!
  const counted = requests
  const started = performance.now()
  await Bun.sleep(spec.seconds * 1000)
  running = false
  await Promise.all(loops)
  requests -= counted
  const seconds = (performance.now() - started) / 1000
  // Deferred work (the meter's batches, the worker's writes, settlements) is charged to the requests that caused it.
  await Bun.sleep(600)
  const after = (await procThreadsCpuMs(process.pid))!
  if (process.env.CORE_THREADS) {
    const threadsAfter = threadCpu()
    const byName = new Map<string, number>()
    for (const [tid, { name, ms }] of threadsAfter) byName.set(name, (byName.get(name) ?? 0) + ms - (threadsBefore.get(tid)?.ms ?? 0))
    console.error([...byName].map(([name, ms]) => `${name} ${((ms * 1000) / requests).toFixed(1)}`).join(', '))
  }
  const per = (ms: number) => (ms * 1000) / requests
  process.stdout.write(`${JSON.stringify({ requests, errors, seconds, mainUs: per(after.main - before.main), workerUs: per(after.workers - before.workers), totalUs: per(after.total - before.total) })}\n`)
  await core.stop(5_000)
  rmSync(dir, { recursive: true, force: true })
  process.exit(0)
}
