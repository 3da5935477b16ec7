// Health that tells the truth: /healthz and /readyz fail when the database takes no writes, the metering worker stopped, or its backlog grows.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createClient } from '@libsql/client'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { healthRoutes } from '../../src/health.ts'
import { QueueTrend } from '../../src/metering/proxy/meter-health.ts'
import type { MeterChannel } from '../../src/metering/proxy/meter-channel.ts'
import { localPathOf } from '../../src/db/client.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

let upstream: FakeUpstream
beforeAll(() => (upstream = startFakeUpstream(fakeOpenAI)))
afterAll(() => upstream.stop())

type Health = { status: string; database: string; metering: string }

async function health(gw: TestGateway, path = '/healthz'): Promise<{ code: number; body: Health }> {
  const response = await fetch(`${gw.url}${path}`)
  return { code: response.status, body: (await response.json()) as Health }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(50)
  }
}

/** Generous: a locked database holds the worker's probe for its 5 s busy timeout, and the machine may be busy. */
const healthIs = (gw: TestGateway, code: number, path = '/healthz') =>
  until(
    `${path} to answer ${code}`,
    async () => {
      const result = await health(gw, path)
      return result.code === code ? result.body : undefined
    },
    20_000,
  )

function chat(gw: TestGateway) {
  return fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  })
}

test('the metering worker stopped: /healthz and /readyz 503, and jobs for it are counted as shed', async () => {
  const gw = await startTestGateway({ upstreams: { openai: upstream.url } })
  try {
    expect(await health(gw)).toMatchObject({ code: 200, body: { status: 'ok', database: 'ok', metering: 'ok' } })
    // As a crash would: the worker thread ends under the gateway.
    ;(Reflect.get(gw.gateway.meter as MeterChannel, 'worker') as Worker).terminate()
    const body = await healthIs(gw, 503)
    expect(body.status).toBe('degraded')
    expect(body.metering).toContain('metering worker has stopped')
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toContain('sociaro_metering_healthy 0')
    expect((await health(gw, '/readyz')).code).toBe(503)
    // Traffic still flows; its usage is not posted into the void, it is counted.
    expect((await chat(gw)).status).toBe(200)
    await Bun.sleep(50)
    expect(gw.gateway.meter!.stats().shedJobs).toBe(1)
  } finally {
    await gw.stop()
  }
}, 20_000)

test('the database takes no writes (another process holds its write lock): 503 until the lock is released', async () => {
  const gw = await startTestGateway({ upstreams: { openai: upstream.url }, gatewayOptions: { writeProbeMs: 200 } })
  const release = join(gw.dir, 'release')
  // Another process, as a stuck sqlite3 shell or backup tool would: root ignores file modes, a lock it cannot.
  const locker = Bun.spawn(
    [
      process.execPath,
      '-e',
      `const { Database } = require('bun:sqlite'); const db = new Database(${JSON.stringify(localPathOf(gw.dbUrl))}); db.exec('BEGIN EXCLUSIVE'); db.exec("UPDATE orgs SET name = name"); console.log('locked'); while (!require('fs').existsSync(${JSON.stringify(release)})) await Bun.sleep(50); db.exec('ROLLBACK')`,
    ],
    { stdout: 'pipe' },
  )
  try {
    await healthIs(gw, 200)
    const reader = locker.stdout.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('locked')
    const body = await healthIs(gw, 503)
    expect(body.database).toContain('does not take writes')
    expect(body.database).toContain('locked')
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toContain('sociaro_database_writable 0')
    expect((await health(gw, '/readyz')).code).toBe(503)
    writeFileSync(release, '')
    await locker.exited
    expect((await healthIs(gw, 200)).database).toBe('ok')
  } finally {
    locker.kill()
    await gw.stop()
  }
}, 60_000)

test('the metering backlog grows without bound: 503 while it grows, 200 once the worker catches up', async () => {
  // The worker blocks for 3 s on its first batch (a slow disk, a huge batch); the backlog limit is tiny for the test.
  const gw = await startTestGateway({
    upstreams: { openai: upstream.url },
    env: { SOCIARO_METER_FLUSH_MS: '20' },
    meterStallMs: 3_000,
    gatewayOptions: { meterHealth: { limit: 3, windowMs: 600, sampleMs: 50, silentMs: 60_000 } },
  })
  try {
    await (await chat(gw)).arrayBuffer()
    await Bun.sleep(100)
    let body: Health | undefined
    const deadline = Date.now() + 2_500
    while (!body && Date.now() < deadline) {
      await (await chat(gw)).arrayBuffer()
      await Bun.sleep(40)
      const result = await health(gw)
      if (result.code === 503) body = result.body
    }
    expect(body?.metering).toContain('metering backlog is growing')
    expect(body?.database).toBe('ok')
    expect((await healthIs(gw, 200)).metering).toBe('ok')
  } finally {
    await gw.stop()
  }
}, 30_000)

test('a worker that stops answering (stuck) is reported too', async () => {
  const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '20' }, meterStallMs: 4_000, gatewayOptions: { meterHealth: { silentMs: 2_000 } } })
  try {
    await (await chat(gw)).arrayBuffer()
    const body = await healthIs(gw, 503)
    expect(body.metering).toContain('has not answered')
    await healthIs(gw, 200)
  } finally {
    await gw.stop()
  }
}, 30_000)

test('/readyz: the same checks as /healthz, plus draining', async () => {
  const client = createClient({ url: ':memory:' })
  let ready = true
  let metering: string | undefined
  const app = healthRoutes({ client, ready: () => ready, metering: true, meteringProblem: () => metering })
  const get = async (path: string) => {
    const response = await app.handle(new Request(`http://localhost${path}`))
    return { code: response.status, body: (await response.json()) as Record<string, unknown> }
  }
  expect(await get('/readyz')).toMatchObject({ code: 200, body: { status: 'ready' } })
  metering = 'the metering worker has stopped (exit code 1)'
  expect(await get('/readyz')).toMatchObject({ code: 503, body: { status: 'not_ready', metering } })
  expect(await get('/healthz')).toMatchObject({ code: 503, body: { status: 'degraded', metering } })
  metering = undefined
  ready = false
  expect(await get('/readyz')).toMatchObject({ code: 503, body: { status: 'not_ready', draining: true } })
  expect((await get('/healthz')).code).toBe(200)
  client.close()
})

test('QueueTrend: above the limit all window long and larger than at its start, and only then', () => {
  const trend = new QueueTrend({ limit: 10, windowMs: 1_000 })
  trend.sample(50, 0)
  expect(trend.problem(500)).toBeUndefined() // not a whole window of history yet
  trend.sample(60, 500)
  trend.sample(70, 1_000)
  expect(trend.problem(1_000)).toContain('growing')
  // Draining (smaller than a window ago) is not growth, however large.
  trend.sample(40, 2_000)
  expect(trend.problem(2_000)).toBeUndefined()
  // A dip to the limit within the window clears it.
  const dip = new QueueTrend({ limit: 10, windowMs: 1_000 })
  for (const [at, depth] of [[0, 20], [400, 5], [800, 30], [1_000, 40]] as const) dip.sample(depth, at)
  expect(dip.problem(1_000)).toBeUndefined()
})
