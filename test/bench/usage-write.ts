// Usage-write cost per row (row + rollups, through the real UsageWriter) on a table seeded to 0, 1 M and 10 M rows.
// Run: bun test/bench/usage-write.ts [--sizes 0,1000000,10000000] [--rows 20000] [--batch 500] [--seed-ids ordered|random] [--json]
// Seeding is direct SQL (INSERT … SELECT over a recursive CTE, indexes built after) in a temp dir removed at the end.
// Nothing is asserted: it prints µs per row (wall and CPU; the writer runs synchronously underneath, so they agree).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { newId } from '../../src/auth/key-format.ts'
import { openDatabase, type Database } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { batchWriterFor } from '../../src/db/local-batch.ts'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import { UsageWriter } from '../../src/metering/worker/usage-writer.ts'

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '0,1000000,10000000' },
    rows: { type: 'string', default: '20000' },
    /** Rows per batch: 500 is the worker's default flush by size; at moderate traffic the 250-ms timer flushes far fewer. */
    batch: { type: 'string', default: '500' },
    /** How the seeded rows' ids look: time-ordered as newId makes them now, or random as before issue #14. */
    'seed-ids': { type: 'string', default: 'ordered' },
    json: { type: 'boolean', default: false },
  },
})
const SIZES = flags.sizes!.split(',').map(Number)
const ROWS = Number(flags.rows)
const SEED_IDS = flags['seed-ids'] as 'ordered' | 'random'
if (!['ordered', 'random'].includes(SEED_IDS)) throw new Error('--seed-ids must be ordered or random')
/** Rows per batch (default: the meter worker's flush by size, SOCIARO_METER_FLUSH_ROWS). */
const BATCH = Number(flags.batch)
if (!Number.isInteger(BATCH) || BATCH < 1) throw new Error('--batch must be a whole number of rows')
/** 5 orgs, 25 keys, 3 models: 75 key × model pairs, so a 500-row batch touches 150 rollup buckets (hour and day). */
const ORGS = 5
const KEYS = 25
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4']
/** The seeded history ends here and spans 90 days (the default retention); measured rows come after it. */
const NOW = Date.now()
const SPAN_MS = 90 * 86_400_000

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
/** SQL for the 8 base62 digits of a millisecond time, as newId's prefix (only used with --seed-ids ordered). */
function base62TimeSql(expr: string): string {
  const digits = Array.from({ length: 8 }, (_, i) => `substr('${BASE62}', ((${expr}) / ${62 ** (7 - i)}) % 62 + 1, 1)`)
  return digits.join(' || ')
}

/** A realistic row: a chat completion, priced, with its provider's raw usage. */
function liveRecord(i: number, startedAt: number): UsageRecord {
  const model = MODELS[i % MODELS.length]!
  return {
    requestId: newId('req', startedAt), startedAt, orgId: `org_${i % ORGS}`, keyId: `key_${i % KEYS}`, provider: 'openai', model,
    endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: i % 2 === 0, inputTokens: 100 + (i % 50), outputTokens: 20 + (i % 7),
    cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, images: null, videoSeconds: null, audioSeconds: null, costMicros: 37 + (i % 11),
    costStatus: 'priced', usageSource: 'reported', priceSource: 'genai-prices', costDetail: null, endedBy: 'complete', partial: false, errorCode: null,
    ttfbMs: 12, durationMs: 40, user: null, tags: null,
    rawUsage: `{"model":"${model}-2024-07-18","usage":{"prompt_tokens":${100 + (i % 50)},"completion_tokens":${20 + (i % 7)},"total_tokens":${120 + (i % 57)}}}`,
  }
}

/** Fills usage_events with `rows` rows over the 90 days before NOW, and the rollups those rows sum to. */
async function seed(database: Database, rows: number): Promise<void> {
  if (rows === 0) return
  const { client } = database
  await client.execute('PRAGMA cache_size = -262144')
  // Indexes are dropped and rebuilt after: one sort each instead of 10 M random inserts.
  const indexes = (await client.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_events' AND sql IS NOT NULL")).rows
  for (const index of indexes) await client.execute(`DROP INDEX ${String(index.name)}`)
  const step = SPAN_MS / rows
  const id = SEED_IDS === 'ordered'
    ? `'req_' || ${base62TimeSql('started_at')} || substr(hex(randomblob(6)), 1, 12)`
    : `'req_' || hex(randomblob(10))`
  const models = `CASE n % ${MODELS.length} ${MODELS.map((m, i) => `WHEN ${i} THEN '${m}'`).join(' ')} END`
  const chunk = 1_000_000
  for (let from = 0; from < rows; from += chunk) {
    const to = Math.min(rows, from + chunk)
    await client.execute(`
      WITH RECURSIVE seq(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ${to}),
      src AS (SELECT n, ${NOW - SPAN_MS} + CAST(n * ${step} AS INTEGER) AS started_at FROM seq)
      INSERT INTO usage_events (request_id, started_at, org_id, key_id, provider, model, endpoint, method, status, streamed, input_tokens,
        output_tokens, cost_micros, cost_status, usage_source, price_source, ended_by, partial, ttfb_ms, duration_ms, raw_usage)
      SELECT ${id}, started_at, 'org_' || (n % ${ORGS}), 'key_' || (n % ${KEYS}), 'openai', ${models}, '/v1/chat/completions', 'POST', 200, n % 2,
        100 + n % 50, 20 + n % 7, 37 + n % 11, 'priced', 'reported', 'genai-prices', 'complete', 0, 12, 40,
        '{"model":"' || ${models} || '-2024-07-18","usage":{"prompt_tokens":' || (100 + n % 50) || ',"completion_tokens":' || (20 + n % 7) || ',"total_tokens":' || (120 + n % 57) || '}}'
      FROM src ORDER BY 1`)
  }
  for (const index of indexes) await client.execute(String(index.sql))
  for (const [grain, size] of [['hour', 3_600_000], ['day', 86_400_000]] as const) {
    await client.execute(`
      INSERT INTO usage_rollups (grain, bucket_start, org_id, key_id, provider, model, requests, errors, input_tokens, output_tokens, cost_micros)
      SELECT '${grain}', started_at / ${size} * ${size}, org_id, key_id, provider, model, COUNT(*), 0, SUM(input_tokens), SUM(output_tokens), SUM(cost_micros)
      FROM usage_events GROUP BY 2, 3, 4, 5, 6`)
  }
  await client.execute('PRAGMA wal_checkpoint(TRUNCATE)')
}

interface Measured {
  readonly seededRows: number
  readonly seedSeconds: number
  readonly fileMb: number
  readonly rows: number
  readonly wallUsPerRow: number
  readonly cpuUsPerRow: number
}

/** Temp dirs still on disk: removed on SIGINT/SIGTERM or when the runner that spawned this goes away (10 M rows are GBs). */
const live = new Set<string>()
function removeLive(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true })
}
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) {
    removeLive()
    process.exit(1)
  }
}, 1000).unref()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    removeLive()
    process.exit(130)
  })
}

/** Writes ROWS rows through a UsageWriter (its batches, its rollups) as the meter worker does, after a warm-up. */
async function measure(seededRows: number): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-usage-write-'))
  live.add(dir)
  const file = join(dir, 'usage.db')
  try {
    let database = await openDatabase(`file:${file}`)
    await runMigrations(database.db)
    const seedStart = performance.now()
    await seed(database, seededRows)
    const seedSeconds = (performance.now() - seedStart) / 1000
    // Reopened, as a gateway restarted on an old database: nothing of the seeding stays in SQLite's cache.
    database.close()
    database = await openDatabase(`file:${file}`)
    let written = 0
    // As the meter worker does: the native batch writer on a local file.
    const store = batchWriterFor(database)
    const writer = new UsageWriter(store, {
      flushIntervalMs: 1_000_000, flushRows: BATCH, maxPendingRows: 10 * ROWS,
      onWritten: (records) => { written += records.length },
      onError: (message, fields) => { throw new Error(`${message}: ${JSON.stringify(fields)}`) },
    })
    let at = NOW
    // Built before the clock starts: making a record (and its id) is the proxy's and meter's cost, not the writer's.
    // Requests arrive about 1 ms apart, as a busy gateway's.
    const batches = (rows: number) =>
      Array.from({ length: Math.ceil(rows / BATCH) }, (_, b) => Array.from({ length: Math.min(BATCH, rows - b * BATCH) }, (_, j) => liveRecord(b * BATCH + j, at++)))
    const feed = async (prepared: UsageRecord[][]) => {
      for (const batch of prepared) {
        writer.add(batch)
        await writer.drain(Date.now() + 60_000)
      }
    }
    await feed(batches(Math.min(ROWS, 5_000))) // warm-up: the index pages the appends touch come into the cache
    const measured = batches(ROWS)
    written = 0
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    await feed(measured)
    const wallMs = performance.now() - start
    const cpu = process.cpuUsage(cpuStart)
    if (written !== ROWS) throw new Error(`wrote ${written} of ${ROWS} rows`)
    const stored = Number((await database.client.execute('SELECT COUNT(*) AS n FROM usage_events')).rows[0]!.n)
    if (stored !== seededRows + ROWS + Math.min(ROWS, 5_000)) throw new Error(`table holds ${stored} rows, expected ${seededRows + ROWS + Math.min(ROWS, 5_000)}`)
    store.close()
    database.close()
    return {
      seededRows, seedSeconds, fileMb: statSync(file).size / 1e6, rows: ROWS,
      wallUsPerRow: (wallMs * 1000) / ROWS, cpuUsPerRow: (cpu.user + cpu.system) / ROWS,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    live.delete(dir)
    if (existsSync(dir)) throw new Error(`could not remove ${dir}`)
  }
}

const results: Measured[] = []
for (const size of SIZES) {
  const result = await measure(size)
  results.push(result)
  if (!flags.json) {
    console.log(
      `${size.toLocaleString('en').padStart(11)} rows seeded (${result.seedSeconds.toFixed(0)} s, ${result.fileMb.toFixed(0)} MB): ` +
        `${result.wallUsPerRow.toFixed(1)} µs/row wall, ${result.cpuUsPerRow.toFixed(1)} µs/row CPU (${ROWS} rows in batches of ${BATCH}, with rollups)`,
    )
  }
}
if (flags.json) console.log(JSON.stringify({ seedIds: SEED_IDS, batch: BATCH, results }))
else if (results.length > 1) {
  const base = results[0]!.cpuUsPerRow
  console.log(results.slice(1).map((r) => `${r.seededRows.toLocaleString('en')} rows: ${(r.cpuUsPerRow / base).toFixed(2)}× the ${results[0]!.seededRows.toLocaleString('en')}-row CPU figure`).join('\n'))
}
