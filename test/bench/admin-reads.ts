// Proxy p99 at moderate load while heavy admin work runs: (a) a reprice of 100k rows, (b) 90-day usage queries, against
// the same load with neither. Seeds the rows straight into the database file (fast), then starts a real gateway on it.
// Run: bun test/bench/admin-reads.ts            (BENCH_GATEWAY_ROOT=/path/to/other/checkout measures that checkout's gateway)
// Prints a markdown section (also used by run.ts); nothing is asserted.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { sql } from 'drizzle-orm'
import { openDatabase } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { usageEvents } from '../../src/db/schema.ts'
import { createKey } from '../../src/store/keys.ts'
import { createOrg } from '../../src/store/orgs.ts'
import { percentile, type LoadResult, type LoadSpec } from './load.ts'
import { BUN, freePort, killAll, readFirstLine, track, waitFor200 } from './processes.ts'
import { runWrk, wrkPath } from './wrk-load.ts'

const ROOT = resolve(process.env.BENCH_GATEWAY_ROOT ?? resolve(import.meta.dir, '../..'))
const ROWS = Number(process.env.BENCH_ADMIN_ROWS ?? 100_000)
const KEYS = 20
const DAYS = 90
const RATE = Number(process.env.BENCH_RATE ?? 200)
const SLICE_SECONDS = Number(process.env.BENCH_ADMIN_READS_SECONDS ?? 8)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
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

export async function adminReadsScenario(): Promise<string[]> {
  if (!wrkPath()) return ['skipped: wrk is not installed (the scenario needs an open-loop generator that does not share the gateway’s CPU pauses)']
  const tmp = mkdtempSync(join(tmpdir(), 'sociaro-admin-bench-'))
  try {
    const now = Date.now()
    const dbUrl = `file:${join(tmp, 'gateway.db')}`
    const seedStart = performance.now()
    const secret = await seed(dbUrl, now)
    const seedMs = performance.now() - seedStart

    const mock = track(Bun.spawn([BUN, join(import.meta.dir, 'mock-upstream.ts')], { stdin: 'ignore', stdout: 'pipe', stderr: 'ignore' }))
    const upstream = (JSON.parse(await readFirstLine(mock, 10_000)) as { url: string }).url
    const port = freePort()
    const url = `http://127.0.0.1:${port}`
    const env: Record<string, string> = {}
    for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('SOCIARO_')) env[name] = value
    const gateway = track(
      Bun.spawn([BUN, 'src/main.ts', 'serve'], {
        cwd: ROOT,
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
          // The seeded rows are 90 days old at most: the default retention must keep them.
          SOCIARO_USAGE_RETENTION_DAYS: '0',
        },
        stdin: 'ignore',
        stdout: 'ignore',
        stderr: Bun.file(join(tmp, 'gateway.log')),
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
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 200)}`)
      return JSON.parse(text) as Record<string, unknown>
    }
    const from = new Date(now - DAYS * DAY_MS).toISOString()
    const to = new Date(now + HOUR_MS).toISOString()
    // Each reprice flips a negotiated price for gpt-4o-mini on or off, so each one rewrites half the rows and their rollups.
    let override: string | undefined
    let repriced = { examined: 0, changed: 0 }
    const repriceOnce = async () => {
      if (override) {
        await admin('DELETE', `/prices/${override}`)
        override = undefined
      } else override = String((await admin('POST', '/prices', { provider: 'openai', model: 'gpt-4o-mini', input_usd_per_mtok: 0.1, output_usd_per_mtok: 0.4 })).id)
      const result = (await admin('POST', '/reprice', { from, to })) as { examined: number; changed: number }
      repriced = result
    }
    const groups = ['model', 'key', 'hour', 'day', 'provider', 'org']
    let query = 0
    const usageOnce = async () => {
      const i = query++
      if (i % 7 === 6) await admin('GET', `/requests?from=${from}&limit=500&model=gpt-4o`)
      else await admin('GET', `/usage?from=${from}&to=${to}&group_by=${groups[i % groups.length]}`)
    }
    const spec: LoadSpec = {
      url: `${url}/openai/v1/chat/completions`,
      concurrency: 1,
      seconds: SLICE_SECONDS,
      warmupSeconds: 1,
      rate: RATE,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }] }),
      raw: true,
    }
    const slices: Record<Condition, LoadResult[]> = { idle: [], reprice: [], usage: [] }
    const work: Record<Condition, AdminWork[]> = { idle: [], reprice: [], usage: [] }
    for (let round = 0; round < ROUNDS; round++) {
      for (const condition of ['idle', 'reprice', 'usage'] as const) {
        let done = false
        // Started a moment before the load so the slice sees the work running from its first request.
        const running = condition === 'idle' ? undefined : loop(condition === 'reprice' ? repriceOnce : usageOnce, () => done)
        await Bun.sleep(condition === 'idle' ? 0 : 300)
        slices[condition].push(await runWrk(spec))
        done = true
        if (running) work[condition].push(await running)
      }
    }
    if (override) await admin('DELETE', `/prices/${override}`)
    const lines = [
      `Gateway from \`${ROOT}\`, metering ${METERING ? 'on' : 'off'}; ${ROWS} usage rows over ${DAYS} days (${KEYS} keys, 2 models) seeded in ${(seedMs / 1000).toFixed(1)} s; ` +
        `open loop ${RATE} req/s (wrk), ${ROUNDS} rounds × ${SLICE_SECONDS} s per condition, interleaved.`,
      '',
      '| condition | requests | errors | p50 ms | p99 ms | max ms | admin operations in the slices | mean duration ms |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    ]
    const idle = pool(slices.idle)
    for (const condition of ['idle', 'reprice', 'usage'] as const) {
      const r = pool(slices[condition])
      const w = work[condition]
      const ops = w.reduce((n, x) => n + x.ops, 0)
      const failures = w.reduce((n, x) => n + x.failures, 0)
      const mean = ops ? w.reduce((n, x) => n + x.totalMs, 0) / ops : NaN
      lines.push(
        `| ${LABEL[condition]} | ${r.requests} | ${r.errors} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${condition === 'idle' ? '—' : `${ops}${failures ? ` (${failures} failed)` : ''}`} | ${condition === 'idle' ? '—' : mean.toFixed(0)} |`,
      )
      if (condition !== 'idle') lines.push(`|  ↳ added p99 vs no admin work | | | | ${(r.p99 - idle.p99 >= 0 ? '+' : '') + (r.p99 - idle.p99).toFixed(2)} | | | |`)
      const failure = w.find((x) => x.firstFailure)?.firstFailure
      if (failure) lines.push(`|  ↳ first failure: ${failure.replaceAll('|', '/')} | | | | | | | |`)
    }
    lines.push('', `Last reprice: examined ${repriced.examined}, changed ${repriced.changed}.`)
    return lines
  } finally {
    await killAll()
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
