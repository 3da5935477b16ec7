// A SIGKILL under load loses at most the requests in flight and the last few ms of completed ones: the spool is replayed at start-up, once.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { startServedGateway, startServeProcess } from '../support/spawn-cli.ts'
import { UPSTREAM_SECRET } from '../support/test-gateway.ts'
import { queryRows, waitForUsageRow } from '../support/usage-rows.ts'
import { rmSync } from 'node:fs'
import { localPathOf } from '../../src/db/client.ts'

/**
 * The target is 20 ms of completed traffic (proxy-thread batch ≤ 5 ms, then one write on the worker). The client's
 * own timestamps are taken on a loaded 2-core box, so the bound allowed here is generous; without the spool the
 * loss is the writer's whole 250 ms flush interval, far beyond it.
 */
const LOSS_WINDOW_MS = 80
const CONCURRENCY = 48
const REQUESTS = 2500

let upstream: FakeUpstream
beforeAll(() => {
  upstream = startFakeUpstream(fakeOpenAI)
})
afterAll(() => upstream.stop())

async function killUnderLoad(name: string, extraEnv: Record<string, string>): Promise<void> {
  const server = await startServedGateway(name, { SOCIARO_OPENAI_BASE_URL: upstream.url, SOCIARO_OPENAI_API_KEY: UPSTREAM_SECRET, ...extraEnv })
  const { key, dbUrl, env } = server
  /** request id → when the client had the whole response. */
  const completed = new Map<string, number>()
  let killedAt = 0
  let stop = false
  const call = async (i: number) => {
    const response = await fetch(`${server.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${i}` }], stream: i % 2 === 0 }),
    })
    await response.arrayBuffer()
    const at = Date.now()
    if (response.status === 200 && killedAt === 0) completed.set(response.headers.get('x-sociaro-request-id')!, at)
  }
  let sent = 0
  const loops = Array.from({ length: CONCURRENCY }, async () => {
    while (!stop) await call(sent++).catch(() => {})
  })
  try {
    // Load until well past warm-up, then kill mid-stream with requests in flight.
    const loadStart = Date.now()
    while (completed.size < REQUESTS) await Bun.sleep(5)
    killedAt = Date.now()
    server.child.kill('SIGKILL')
    stop = true
    await server.child.exited
    await Promise.all(loops)
    const rowsAtKill = await queryRows(dbUrl, 'SELECT COUNT(*) AS n FROM usage_events')

    // The restarted gateway replays the spool before it listens; SIGTERM then drains (nothing new arrives).
    const restarted = await startServeProcess(env)
    // Past the moment serve installs its signal handlers.
    await Bun.sleep(300)
    restarted.child.kill('SIGTERM')
    const code = await restarted.child.exited
    const replayed = (await restarted.logs()).split('\n').find((line) => line.includes('usage spool replayed')) ?? 'no replay logged'
    expect(code).toBe(0)

    const rows = await queryRows(dbUrl, 'SELECT request_id FROM usage_events')
    const stored = new Set(rows.map((row) => String(row.request_id)))
    const lost = [...completed].filter(([id]) => !stored.has(id))
    const recent = [...completed].filter(([, at]) => at >= killedAt - LOSS_WINDOW_MS).length
    const oldestLostMsBeforeKill = lost.length > 0 ? killedAt - Math.min(...lost.map(([, at]) => at)) : 0
    console.log(
      `${name}: ${completed.size} completed in ${killedAt - loadStart} ms before the kill; ${Number(rowsAtKill[0]!.n)} rows in the database at the kill, ` +
        `${rows.length} after restart; ${lost.length} completed-but-missing (oldest ${oldestLostMsBeforeKill} ms before the kill; ` +
        `${recent} completed in the last ${LOSS_WINDOW_MS} ms)\n  ${replayed.replace(/^.*?INFO\s+/, '')}`,
    )
    // Every lost row belongs to the last few ms before the kill.
    expect(oldestLostMsBeforeKill).toBeLessThanOrEqual(LOSS_WINDOW_MS)
    expect(lost.length).toBeLessThanOrEqual(recent)
    // Replayed once: one row per request id, and the rollups count each row once.
    const distinct = await queryRows(dbUrl, 'SELECT COUNT(DISTINCT request_id) AS n, COUNT(*) AS rows, SUM(input_tokens) AS tokens FROM usage_events')
    expect(Number(distinct[0]!.n)).toBe(Number(distinct[0]!.rows))
    for (const grain of ['hour', 'day']) {
      const rollup = await queryRows(dbUrl, 'SELECT SUM(requests) AS n, SUM(input_tokens) AS tokens FROM usage_rollups WHERE grain = ?', [grain])
      expect({ grain, requests: Number(rollup[0]!.n), tokens: Number(rollup[0]!.tokens) }).toEqual({ grain, requests: rows.length, tokens: Number(distinct[0]!.tokens) })
    }
  } finally {
    stop = true
    server.child.kill('SIGKILL')
    server.remove()
  }
}

test('SIGKILL under load (default flush settings): after restart every completed request has its row but those of the last few ms; none twice; rollups agree', async () => {
  await killUnderLoad('spool-default', {})
}, 120_000)

test('SIGKILL while the writer holds every row (a long flush interval): the spool alone brings them back', async () => {
  await killUnderLoad('spool-held', { SOCIARO_METER_FLUSH_MS: '60000', SOCIARO_METER_FLUSH_ROWS: '10000' })
}, 120_000)

test('rows held while the database file is deleted survive a SIGKILL: the next start stores them (here into a fresh file at that path)', async () => {
  const server = await startServedGateway('spool-deleted', { SOCIARO_OPENAI_BASE_URL: upstream.url, SOCIARO_OPENAI_API_KEY: UPSTREAM_SECRET, SOCIARO_METER_FLUSH_MS: '20' })
  const { key, dbUrl, env } = server
  const chat = () =>
    fetch(`${server.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    }).then(async (response) => {
      await response.arrayBuffer()
      return response.headers.get('x-sociaro-request-id')!
    })
  try {
    await waitForUsageRow(dbUrl, await chat())
    const path = localPathOf(dbUrl)!
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
    // Served, but their rows are refused by the worker (the file is gone) and held.
    const held = [await chat(), await chat(), await chat()]
    await Bun.sleep(200)
    server.child.kill('SIGKILL')
    await server.child.exited

    const restarted = await startServeProcess(env)
    await Bun.sleep(300)
    restarted.child.kill('SIGTERM')
    expect(await restarted.child.exited).toBe(0)
    const rows = await queryRows(dbUrl, 'SELECT request_id FROM usage_events ORDER BY started_at')
    expect(rows.map((row) => String(row.request_id))).toEqual(held)
  } finally {
    server.child.kill('SIGKILL')
    server.remove()
  }
}, 60_000)
