// The usage spool: framed records read back whole or not at all, files cleared once stored, bounded, one owner; replays store each row once.
import { afterEach, expect, test } from 'bun:test'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import type { WireJob } from '../../src/metering/protocol/meter-job.ts'
import { frameBatch } from '../../src/metering/protocol/spool-frame.ts'
import { spoolBatches } from '../../src/metering/worker/spool-reader.ts'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import { UsageSpool } from '../../src/metering/proxy/usage-spool.ts'
import { recordStatements, rollupStatement, writeNewRecords } from '../../src/metering/worker/usage-writer.ts'
import { rollupDeltas } from '../../src/metering/worker/rollups.ts'
import { createLogger, silentLogger, type Logger } from '../../src/log.ts'
import { startFakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI, OPENAI_CHAT_JSON } from '../support/provider-fakes.ts'
import { ADMIN_TOKEN, startTestGateway } from '../support/test-gateway.ts'
import { loadConfig } from '../../src/config.ts'
import { startGateway } from '../../src/gateway.ts'
import { queryRows } from '../support/usage-rows.ts'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-spool-unit-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function frame(jobs: string, bytes: Uint8Array): Uint8Array {
  return Buffer.concat(frameBatch(jobs, bytes))
}

function readAll(path: string) {
  const damage: { reason: string; offset: number; bytesSkipped: number }[] = []
  const batches = [...spoolBatches(path, (reason, offset, bytesSkipped) => damage.push({ reason, offset, bytesSkipped }))]
  return { batches: batches.map((b) => ({ jobs: b.jobs, bytes: new TextDecoder().decode(b.bytes) })), damage }
}

test('records read back whole; a torn last record (a kill mid-write) is reported and skipped, the ones before it kept', () => {
  const path = join(tempDir(), 'usage.spool')
  const first = frame('["a"]', new TextEncoder().encode('first body'))
  const second = frame('["b"]', new TextEncoder().encode('second body'))
  const third = frame('["c"]', new TextEncoder().encode('third body, torn'))
  writeFileSync(path, Buffer.concat([first, second, third.subarray(0, third.byteLength - 5)]))
  expect(readAll(path)).toEqual({
    batches: [
      { jobs: '["a"]', bytes: 'first body' },
      { jobs: '["b"]', bytes: 'second body' },
    ],
    damage: [{ reason: 'torn record', offset: first.byteLength + second.byteLength, bytesSkipped: third.byteLength - 5 }],
  })
  // Torn inside the header itself.
  truncateSync(path, first.byteLength + 10)
  expect(readAll(path).damage).toEqual([{ reason: 'torn header', offset: first.byteLength, bytesSkipped: 10 }])
})

test('a flipped byte in a body or a header fails its checksum: that record and the rest are skipped, never parsed', () => {
  const path = join(tempDir(), 'usage.spool')
  const good = frame('["a"]', new TextEncoder().encode('kept'))
  const bad = frame('["b"]', new TextEncoder().encode('flipped'))
  bad[bad.byteLength - 1]! ^= 0x01
  writeFileSync(path, Buffer.concat([good, bad, good]))
  expect(readAll(path)).toEqual({
    batches: [{ jobs: '["a"]', bytes: 'kept' }],
    damage: [{ reason: 'payload checksum mismatch', offset: good.byteLength, bytesSkipped: bad.byteLength + good.byteLength }],
  })
  const header = frame('["a"]', new TextEncoder().encode('x'))
  header[5]! ^= 0x40 // the JSON length
  writeFileSync(path, header)
  expect(readAll(path).damage[0]!.reason).toBe('header checksum mismatch')
  writeFileSync(path, 'not a spool at all, just text that is long enough')
  expect(readAll(path).damage[0]!.reason).toBe('no record marker')
})

test('a spool file is emptied once every row of its batches is stored, and never while rows are outstanding', async () => {
  const path = join(tempDir(), 'usage.spool')
  const spool = UsageSpool.acquire({ path, maxBytes: 1 << 30, fsync: false }, silentLogger)!
  spool.start()
  await spool.append(1, '["a","b"]', new TextEncoder().encode('two jobs'), 2)
  await spool.append(2, '["c"]', new TextEncoder().encode('one job'), 1)
  expect(readAll(path).batches.map((b) => b.jobs)).toEqual(['["a","b"]', '["c"]'])
  expect(statSync(path).mode & 0o777).toBe(0o600)
  spool.settle(1, 2)
  spool.settle(2, 0)
  expect(statSync(path).size).toBeGreaterThan(0)
  spool.settle(2, 1)
  expect(statSync(path).size).toBe(0)
  await spool.append(3, '["d"]', new TextEncoder().encode('after'), 1)
  expect(readAll(path).batches.map((b) => b.jobs)).toEqual(['["d"]'])
  spool.close(false)
  expect(existsSync(path)).toBe(true)
  expect(existsSync(`${path}.lock`)).toBe(false)
})

test('under steady load the active file rotates: the sealed one goes once its rows are stored, while new batches keep arriving', async () => {
  const path = join(tempDir(), 'usage.spool')
  const spool = UsageSpool.acquire({ path, maxBytes: 1 << 30, fsync: false, rotateBytes: 200 }, silentLogger)!
  spool.start()
  const body = new Uint8Array(150)
  await spool.append(1, '["a"]', body, 1)
  await spool.append(2, '["b"]', body, 1) // past 200 bytes: sealed
  expect(readAll(`${path}.old`).batches.map((b) => b.jobs)).toEqual(['["a"]', '["b"]'])
  await spool.append(3, '["c"]', body, 1)
  expect(readAll(path).batches.map((b) => b.jobs)).toEqual(['["c"]'])
  spool.settle(1, 1)
  expect(existsSync(`${path}.old`)).toBe(true)
  spool.settle(2, 1)
  expect(existsSync(`${path}.old`)).toBe(false)
  expect(spool.leftovers()).toEqual([path])
  spool.close(true)
  expect([existsSync(path), existsSync(`${path}.old`)]).toEqual([false, false])
})

test('a spool file deleted while in use (rm sociaro.db*) is noticed within a second and replaced, loudly', async () => {
  const path = join(tempDir(), 'usage.spool')
  const lines: string[] = []
  const spool = UsageSpool.acquire({ path, maxBytes: 1 << 30, fsync: false }, createLogger('info', (line) => lines.push(line)))!
  spool.start()
  await spool.append(1, '["a"]', new Uint8Array(10), 1)
  rmSync(path)
  await Bun.sleep(1_100)
  // Checked before the write, at most once a second: this batch already goes to the fresh file.
  await spool.append(2, '["b"]', new Uint8Array(10), 1)
  expect(lines.join('')).toContain('the usage spool file was deleted or replaced')
  await spool.append(3, '["c"]', new Uint8Array(10), 1)
  expect(readAll(path).batches.map((b) => b.jobs)).toEqual(['["b"]', '["c"]'])
  // Rows of batches from the lost file settle harmlessly.
  spool.settle(1, 1)
  spool.settle(2, 1)
  spool.settle(3, 1)
  expect(statSync(path).size).toBe(0)
  spool.close(true)
})

test('a small batch is in the file when append returns; a large one, or any with fsync on, once its promise resolves', async () => {
  const dir = tempDir()
  const plainPath = join(dir, 'plain.spool')
  const plain = UsageSpool.acquire({ path: plainPath, maxBytes: 1 << 30, fsync: false }, silentLogger)!
  plain.start()
  expect(plain.append(1, '["a"]', new TextEncoder().encode('body'), 1)).toBeUndefined()
  expect(readAll(plainPath).batches).toEqual([{ jobs: '["a"]', bytes: 'body' }])
  // Too large to hold the proxy thread for: written on the thread pool; a small one queued behind it keeps its place.
  const large = plain.append(2, '["b"]', new Uint8Array(512 * 1024).fill(98), 1)
  const small = plain.append(3, '["c"]', new TextEncoder().encode('after'), 1)
  expect(large).toBeInstanceOf(Promise)
  expect(small).toBeInstanceOf(Promise)
  await Promise.all([large, small])
  expect(readAll(plainPath).batches.map((b) => b.jobs)).toEqual(['["a"]', '["b"]', '["c"]'])
  plain.settle(1, 1)
  plain.settle(2, 1)
  plain.settle(3, 1)
  expect(statSync(plainPath).size).toBe(0)
  plain.close(true)

  const path = join(dir, 'synced.spool')
  const spool = UsageSpool.acquire({ path, maxBytes: 1 << 30, fsync: true }, silentLogger)!
  spool.start()
  const first = spool.append(1, '["a"]', new TextEncoder().encode('one'), 1)
  const second = spool.append(2, '["b"]', new TextEncoder().encode('two'), 1)
  expect(first).toBeInstanceOf(Promise)
  await Promise.all([first, second])
  expect(readAll(path).batches.map((b) => b.jobs)).toEqual(['["a"]', '["b"]'])
  spool.settle(1, 1)
  spool.settle(2, 1)
  expect(statSync(path).size).toBe(0)
  spool.close(false)
})

test('the spool is bounded: past its size batches are not spooled, and that is counted and logged', async () => {
  const path = join(tempDir(), 'usage.spool')
  const lines: string[] = []
  const log: Logger = createLogger('info', (line) => lines.push(line))
  const spool = UsageSpool.acquire({ path, maxBytes: 1000, fsync: false }, log)!
  spool.start()
  await spool.append(1, '["a"]', new Uint8Array(600), 3)
  await spool.append(2, '["b"]', new Uint8Array(600), 4)
  expect(spool.unspooledJobs).toBe(4)
  expect(lines.join('')).toContain('the usage spool is full')
  expect(readAll(path).batches.map((b) => b.jobs)).toEqual(['["a"]'])
  spool.close(false)
})

test('one owner per spool path: a live owner keeps it (this gateway runs without), a dead one left a stale lock', async () => {
  const path = join(tempDir(), 'usage.spool')
  const lines: string[] = []
  const log: Logger = createLogger('info', (line) => lines.push(line))
  writeFileSync(`${path}.lock`, String(process.ppid))
  expect(UsageSpool.acquire({ path, maxBytes: 1 << 20, fsync: false }, log)).toBeUndefined()
  expect(lines.join('')).toContain('in use by another running gateway')
  // A lock naming this very pid is stale (a container restarts as pid 1), unless a spool of this process holds it.
  writeFileSync(`${path}.lock`, String(process.pid))
  const own = UsageSpool.acquire({ path, maxBytes: 1 << 20, fsync: false }, log)
  expect(own).toBeDefined()
  expect(UsageSpool.acquire({ path, maxBytes: 1 << 20, fsync: false }, log)).toBeUndefined()
  own!.close(true)
  const gone = Bun.spawn(['true'])
  await gone.exited
  writeFileSync(`${path}.lock`, String(gone.pid))
  const spool = UsageSpool.acquire({ path, maxBytes: 1 << 20, fsync: false }, log)
  expect(spool).toBeDefined()
  expect(readFileSync(`${path}.lock`, 'utf8')).toBe(String(process.pid))
  spool!.close(true)
})

function record(i: number, inputTokens = 10): UsageRecord {
  return {
    requestId: `req_${i}`, startedAt: 1_700_000_000_000 + i, orgId: 'org', keyId: 'key', provider: 'openai', model: 'gpt-4o-mini',
    endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: false, inputTokens, outputTokens: 5, cacheReadTokens: 0,
    cacheWriteTokens: 0, reasoningTokens: 0, images: null, videoSeconds: null, audioSeconds: null, costMicros: 3, costStatus: 'priced',
    usageSource: 'reported', priceSource: 'genai-prices', costDetail: null, endedBy: 'complete', partial: false, ttfbMs: 1, durationMs: 2,
    user: null, tags: null, rawUsage: null,
  }
}

test('a replay stores only the rows not stored yet, and rollups count each row once', async () => {
  const dir = tempDir()
  const database = await openDatabase(`file:${join(dir, 'db.sqlite')}`)
  try {
    await runMigrations(database.db)
    const live = [record(1), record(2)]
    // As the live writer stored them before the kill.
    await database.client.batch([...recordStatements(live), ...rollupDeltas(live).map(rollupStatement)], 'write')
    // The spool still holds them (the kill came before it was emptied), with one more, and a duplicate within the batch.
    expect(await writeNewRecords(database.client, [record(1), record(2), record(3), record(3)])).toBe(1)
    expect(await writeNewRecords(database.client, [record(1), record(2), record(3)])).toBe(0)
    const rows = (await database.client.execute('SELECT COUNT(*) AS n, SUM(input_tokens) AS tokens FROM usage_events')).rows[0]!
    const rollups = (await database.client.execute("SELECT SUM(requests) AS n, SUM(input_tokens) AS tokens, SUM(cost_micros) AS cost FROM usage_rollups WHERE grain = 'day'")).rows[0]!
    expect({ rows: Number(rows.n), tokens: Number(rows.tokens) }).toEqual({ rows: 3, tokens: 30 })
    expect({ requests: Number(rollups.n), tokens: Number(rollups.tokens), cost: Number(rollups.cost) }).toEqual({ requests: 3, tokens: 30, cost: 9 })
  } finally {
    database.close()
  }
})

function wireJob(requestId: string, orgId: string, keyId: string, body: Uint8Array): WireJob {
  return {
    requestId, startedAt: Date.now(), orgId, keyId, provider: 'openai', model: 'gpt-4o-mini', endpoint: '/v1/chat/completions',
    method: 'POST', status: 200, streamed: false, contentType: 'application/json', contentEncoding: '', truncated: false, ttfbMs: 3, durationMs: 4,
    endedBy: 'complete', user: null, tags: null, bodyOffset: 0, bodyLength: body.byteLength, requestOffset: -1, requestLength: 0,
  }
}

test('at start-up a killed process\'s spool is replayed before serving and before budgets load: rows priced as live, the torn last record skipped, the file cleared', async () => {
  const upstream = startFakeUpstream(fakeOpenAI)
  const first = await startTestGateway({ upstreams: { openai: upstream.url } })
  const { dir, dbUrl, orgId } = first
  const spoolPath = join(dir, 'sociaro.db.spool')
  try {
    const budgeted = await first.createKey({ name: 'budgeted', budget_usd: 1, budget_period: 'month' })
    await first.gateway.stop(2_000)
    expect(existsSync(spoolPath)).toBe(false)
    // What a killed gateway leaves: two whole batches and a third cut off mid-write.
    const body = new TextEncoder().encode(OPENAI_CHAT_JSON)
    const batch = (ids: string[]) =>
      frame(JSON.stringify(ids.map((id, i) => ({ ...wireJob(id, orgId, budgeted.id, body), bodyOffset: i * body.byteLength }))), Buffer.concat(ids.map(() => body)))
    const torn = batch(['req_spooled_torn'])
    writeFileSync(spoolPath, Buffer.concat([batch(['req_spooled_1', 'req_spooled_2']), batch(['req_spooled_3'])]), { mode: 0o600 })
    appendFileSync(spoolPath, torn.subarray(0, torn.byteLength - 7))

    const lines: string[] = []
    const env = { SOCIARO_PORT: '0', SOCIARO_DATABASE_URL: dbUrl, SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN, SOCIARO_SECRET_KEY: 'test-secret-key-0123456789-abcdefghijklmnop', SOCIARO_OPENAI_BASE_URL: upstream.url, SOCIARO_OPENAI_API_KEY: 'sk-x' }
    const second = await startGateway(loadConfig(env), { log: createLogger('info', (line) => lines.push(line)) })
    try {
      const rows = await queryRows(dbUrl, "SELECT request_id, cost_status, cost_micros, output_tokens FROM usage_events WHERE request_id LIKE 'req_spooled%' ORDER BY request_id")
      expect(rows.map((row) => row.request_id)).toEqual(['req_spooled_1', 'req_spooled_2', 'req_spooled_3'])
      expect(rows.every((row) => row.cost_status === 'priced' && Number(row.cost_micros) > 0 && Number(row.output_tokens) > 0)).toBe(true)
      expect(lines.join('')).toContain('an incomplete or damaged record was skipped')
      expect(lines.join('')).toContain('"stored":3')
      // The budget counts what the killed process had served.
      const spent = rows.reduce((sum, row) => sum + Number(row.cost_micros), 0) / 1e6
      const view = (await (await fetch(`${second.url}/admin/v1/keys/${budgeted.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { budget: { spent_usd: number } }
      expect(view.budget.spent_usd).toBeCloseTo(spent, 9)
      // Appending started afresh: the replayed file is gone.
      expect(readAll(spoolPath).batches).toEqual([])
    } finally {
      await second.stop(2_000)
    }
    const rollup = await queryRows(dbUrl, "SELECT SUM(requests) AS n FROM usage_rollups WHERE grain = 'hour'")
    expect(Number(rollup[0]!.n)).toBe(3)
  } finally {
    await first.stop()
    upstream.stop()
  }
}, 30_000)
