// Proxy p99 at moderate load while heavy admin work runs: (a) a reprice of 100k rows, (b) 90-day usage queries, against
// the same load with neither. Seeds the rows straight into the database file (fast), then starts a real gateway on it.
// Run: bun test/bench/admin-reads.ts   (BENCH_COMPARE_ROOT=/path/to/other/checkout adds that checkout's gateway, interleaved,
// on a copy of the same rows: an A/B in one run)
// Prints a markdown section (also used by run.ts); nothing is asserted.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { sql } from 'drizzle-orm'
import { openDatabase } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { usageEvents } from '../../src/db/schema.ts'
import { createKey } from '../../src/store/keys.ts'
import { createOrg } from '../../src/store/orgs.ts'
import { percentile, type LoadResult, type LoadSpec } from './load.ts'
import type { Subprocess } from 'bun'
import { BUN, freePort, killAll, readFirstLine, track, waitFor200 } from './processes.ts'
import { runWrk, wrkPath } from './wrk-load.ts'

const ROOT = resolve(import.meta.dir, '../..')
const COMPARE_ROOT = process.env.BENCH_COMPARE_ROOT ? resolve(process.env.BENCH_COMPARE_ROOT) : undefined
const ROWS = Number(process.env.BENCH_ADMIN_ROWS ?? 100_000)
const KEYS = 20
const DAYS = 90
const RATE = Number(process.env.BENCH_RATE ?? 200)
const SLICE_SECONDS = Number(process.env.BENCH_ADMIN_READS_SECONDS ?? 8)
/** A reprice of 100k rows takes tens of seconds: two rounds keep the scenario to a few minutes per gateway. */
const ROUNDS = Number(process.env.BENCH_ADMIN_ROUNDS ?? 2)
const METERING = process.env.BENCH_ADMIN_METERING !== 'false'
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef'
const SECRET_KEY = 'bench-secret-key-0123456789-abcdefghijklmnopqrstuv'
const UPSTREAM_KEY = 'sk-bench-upstream-credential'
const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000

type Condition = 'idle' | 'reprice' | 'usage'
const LABEL: Record<Condition, string> = {
  idle: 'no admin work',
  reprice: `reprice of ${ROWS / 1000}k rows, back to back`,
  usage: `${DAYS}-day usage queries and request-log pages, back to back`,
}

/** 100k priced rows over the last 90 days, 20 keys, two models; rollups summed from them in SQL. Returns a key secret. */
export async function seed(dbUrl: string, now: number): Promise<string> {
  const database = await openDatabase(dbUrl)
  try {
    await runMigrations(database.db)
    const org = await createOrg(database.db, 'bench')
    let secret = ''
    const keyIds: string[] = []
    for (let i = 0; i < KEYS; i++) {
      const created = await createKey(database.db, org.id, { name: `bench-${i}` })
      keyIds.push(created.row.id)
      secret ||= created.secret
    }
    const span = DAYS * DAY_MS
    const start = now - span
    const BATCH = 1000
    for (let at = 0; at < ROWS; at += BATCH) {
      const rows: (typeof usageEvents.$inferInsert)[] = []
      for (let i = at; i < Math.min(ROWS, at + BATCH); i++) {
        const mini = i % 2 === 0
        rows.push({
          requestId: `req_seed_${i.toString().padStart(9, '0')}`,
          startedAt: start + Math.floor((i * span) / ROWS),
          orgId: org.id,
          keyId: keyIds[i % KEYS]!,
          provider: 'openai',
          model: mini ? 'gpt-4o-mini' : 'gpt-4o',
          endpoint: '/v1/chat/completions',
          method: 'POST',
          status: 200,
          streamed: i % 3 === 0,
          inputTokens: 100 + (i % 50),
          outputTokens: 20 + (i % 30),
          costMicros: mini ? 30 : 500,
          costStatus: 'priced',
          usageSource: 'reported',
          priceSource: 'genai-prices',
          endedBy: 'complete',
          durationMs: 40,
          rawUsage: `{"model":"${mini ? 'gpt-4o-mini-2024-07-18' : 'gpt-4o-2024-08-06'}","usage":{"prompt_tokens":${100 + (i % 50)},"completion_tokens":${20 + (i % 30)}}}`,
        })
      }
      await database.db.insert(usageEvents).values(rows)
    }
    for (const [grain, size] of [['hour', HOUR_MS], ['day', DAY_MS]] as const) {
      await database.db.run(sql.raw(`INSERT INTO usage_rollups (grain, bucket_start, org_id, key_id, provider, model, requests, errors, input_tokens, output_tokens,
        cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_micros, unpriced_requests, estimated_requests)
        SELECT '${grain}', (started_at / ${size}) * ${size}, org_id, key_id, provider, model, COUNT(*), SUM(status >= 400), SUM(input_tokens), SUM(output_tokens),
        SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(reasoning_tokens), SUM(COALESCE(cost_micros, 0)), SUM(cost_status = 'unpriced'), SUM(usage_source = 'estimated')
        FROM usage_events GROUP BY 2, 3, 4, 5, 6`))
    }
    // One file to copy: every page in the main database file, none left in the WAL.
    await database.client.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    return secret
  } finally {
    database.close()
  }
}

interface AdminWork {
  ops: number
  totalMs: number
  failures: number
  firstFailure?: string
}

/** Runs `op` back to back until `until()` says stop; each run's duration counted. */
async function loop(op: () => Promise<void>, stop: () => boolean): Promise<AdminWork> {
  const work: AdminWork = { ops: 0, totalMs: 0, failures: 0 }
  while (!stop()) {
    const began = performance.now()
    try {
      await op()
      work.ops++
      work.totalMs += performance.now() - began
    } catch (error) {
      work.failures++
      work.firstFailure ??= String(error).slice(0, 300)
      await Bun.sleep(200)
    }
  }
  return work
}

function pool(parts: LoadResult[]): { p50: number; p99: number; max: number; requests: number; errors: number } {
  const all = new Float64Array(parts.flatMap((p) => (p.latenciesUs ?? []).map((us) => us / 1000)))
  all.sort()
  return {
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    max: Math.max(...parts.map((p) => p.max)),
    requests: parts.reduce((n, p) => n + p.requests, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
  }
}

interface Target {
  readonly name: string
  readonly url: string
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>
  /** Each reprice flips a negotiated price for gpt-4o-mini on or off, so each one rewrites half the rows and their rollups. */
  override?: string
  repriced: { examined: number; changed: number }
  queries: number
}

/** This scenario's own children: stopped when it ends (run.ts's servers keep running; killAll is for an abort). */
const own: Subprocess[] = []
function ownTrack<T extends Subprocess>(proc: T): T {
  own.push(proc)
  return track(proc)
}

async function stopOwn(): Promise<void> {
  for (const proc of own.splice(0)) {
    proc.kill('SIGTERM')
    await Promise.race([proc.exited, Bun.sleep(5_000)])
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  }
}

async function startTarget(name: string, root: string, dbUrl: string, upstream: string, logFile: string): Promise<Target> {
  const port = freePort()
  const url = `http://127.0.0.1:${port}`
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('SOCIARO_')) env[key] = value
  const gateway = ownTrack(
    Bun.spawn([BUN, 'src/main.ts', 'serve'], {
      cwd: root,
      env: {
        ...env,
        SOCIARO_HOST: '127.0.0.1',
        SOCIARO_PORT: String(port),
        SOCIARO_DATABASE_URL: dbUrl,
        SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN,
        SOCIARO_SECRET_KEY: SECRET_KEY,
        SOCIARO_OPENAI_BASE_URL: upstream,
        SOCIARO_OPENAI_API_KEY: UPSTREAM_KEY,
        SOCIARO_LOG_LEVEL: 'warn',
        SOCIARO_ACCESS_LOG: 'false',
        SOCIARO_METERING: METERING ? 'true' : 'false',
        // The seeded rows go back 90 days: the default retention would start deleting them.
        SOCIARO_USAGE_RETENTION_DAYS: '0',
      },
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: Bun.file(logFile),
    }),
  )
  await waitFor200(`${url}/readyz`, 30_000, gateway)
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(600_000),
    })
    const text = await res.text()
    if (res.status >= 300) throw new Error(`${name}: ${method} ${path} → ${res.status}: ${text.slice(0, 200)}`)
    return JSON.parse(text) as Record<string, unknown>
  }
  return { name, url, admin, repriced: { examined: 0, changed: 0 }, queries: 0 }
}

export async function adminReadsScenario(): Promise<string[]> {
  if (!wrkPath()) return ['skipped: wrk is not installed (the scenario needs an open-loop generator that does not share the gateway’s CPU pauses)']
  const tmp = mkdtempSync(join(tmpdir(), 'sociaro-admin-bench-'))
  try {
    const now = Date.now()
    const seeded = join(tmp, 'seeded.db')
    const seedStart = performance.now()
    const secret = await seed(`file:${seeded}`, now)
    const seedMs = performance.now() - seedStart

    const mock = ownTrack(Bun.spawn([BUN, join(import.meta.dir, 'mock-upstream.ts')], { stdin: 'ignore', stdout: 'pipe', stderr: 'ignore' }))
    const upstream = (JSON.parse(await readFirstLine(mock, 10_000)) as { url: string }).url
    const roots: [string, string][] = [['this checkout', ROOT], ...(COMPARE_ROOT ? [['compared', COMPARE_ROOT] as [string, string]] : [])]
    const targets: Target[] = []
    for (const [i, [name, root]] of roots.entries()) {
      const file = join(tmp, `gateway-${i}.db`)
      copyFileSync(seeded, file)
      targets.push(await startTarget(name, root, `file:${file}`, upstream, join(tmp, `gateway-${i}.log`)))
    }
    const from = new Date(now - DAYS * DAY_MS).toISOString()
    const to = new Date(now + HOUR_MS).toISOString()
    const repriceOnce = (target: Target) => async () => {
      if (target.override) {
        await target.admin('DELETE', `/prices/${target.override}`)
        delete target.override
      } else target.override = String((await target.admin('POST', '/prices', { provider: 'openai', model: 'gpt-4o-mini*', input_usd_per_mtok: 0.1, output_usd_per_mtok: 0.4 })).id)
      target.repriced = (await target.admin('POST', '/reprice', { from, to })) as { examined: number; changed: number }
    }
    const groups = ['model', 'key', 'hour', 'day', 'provider', 'org']
    const usageOnce = (target: Target) => async () => {
      const i = target.queries++
      if (i % 7 === 6) await target.admin('GET', `/requests?from=${from}&limit=500&model=gpt-4o`)
      else await target.admin('GET', `/usage?from=${from}&to=${to}&group_by=${groups[i % groups.length]}`)
    }
    const specFor = (target: Target): LoadSpec => ({
      url: `${target.url}/openai/v1/chat/completions`,
      concurrency: 1,
      seconds: SLICE_SECONDS,
      warmupSeconds: 1,
      rate: RATE,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }] }),
      raw: true,
    })
    type Cells = Record<Condition, { load: LoadResult[]; work: AdminWork[] }>
    const cells = new Map<Target, Cells>(targets.map((t) => [t, { idle: { load: [], work: [] }, reprice: { load: [], work: [] }, usage: { load: [], work: [] } }]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const condition of ['idle', 'reprice', 'usage'] as const) {
        for (const target of targets) {
          console.error(`admin reads: round ${round + 1}/${ROUNDS}, ${target.name}, ${LABEL[condition]}`)
          let done = false
          // Started a moment before the load, so the slice sees the work running from its first request.
          const running = condition === 'idle' ? undefined : loop(condition === 'reprice' ? repriceOnce(target) : usageOnce(target), () => done)
          await Bun.sleep(condition === 'idle' ? 0 : 300)
          const cell = cells.get(target)![condition]
          cell.load.push(await runWrk(specFor(target)))
          done = true
          // The next slice starts with this work finished (a reprice outlasts its slice).
          if (running) cell.work.push(await running)
        }
      }
    }
    for (const target of targets) if (target.override) await target.admin('DELETE', `/prices/${target.override}`)
    const lines = [
      `Metering ${METERING ? 'on' : 'off'}; ${ROWS} usage rows over ${DAYS} days (${KEYS} keys, 2 models) seeded in ${(seedMs / 1000).toFixed(1)} s, a copy per gateway; ` +
        `open loop ${RATE} req/s (wrk), ${ROUNDS} rounds × ${SLICE_SECONDS} s per condition and gateway, interleaved. Gateways: ${roots.map(([name, root]) => `${name} = \`${root}\``).join(', ')}.`,
      '',
      '| gateway | condition | requests | errors | p50 ms | p99 ms | max ms | +p99 vs no admin work ms | admin ops in the slices | mean op ms |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for (const target of targets) {
      const idle = pool(cells.get(target)!.idle.load)
      for (const condition of ['idle', 'reprice', 'usage'] as const) {
        const { load, work } = cells.get(target)![condition]
        const r = pool(load)
        const ops = work.reduce((n, x) => n + x.ops, 0)
        const failures = work.reduce((n, x) => n + x.failures, 0)
        const mean = ops ? work.reduce((n, x) => n + x.totalMs, 0) / ops : NaN
        const added = r.p99 - idle.p99
        const none = condition === 'idle'
        lines.push(
          `| ${target.name} | ${LABEL[condition]} | ${r.requests} | ${r.errors} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${none ? '—' : `${added >= 0 ? '+' : ''}${added.toFixed(2)}`} | ` +
            `${none ? '—' : `${ops}${failures ? ` (${failures} failed: ${work.find((x) => x.firstFailure)?.firstFailure?.replaceAll('|', '/')})` : ''}`} | ${none ? '—' : mean.toFixed(0)} |`,
        )
      }
    }
    lines.push('', `Last reprice: ${targets.map((t) => `${t.name} examined ${t.repriced.examined}, changed ${t.repriced.changed}`).join('; ')}.`)
    return lines
  } finally {
    await stopOwn()
    rmSync(tmp, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  adminReadsScenario().then(
    (lines) => {
      console.log(lines.join('\n'))
      process.exit(0)
    },
    async (error) => {
      await killAll()
      console.error(`admin-reads bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      process.exit(1)
    },
  )
}
