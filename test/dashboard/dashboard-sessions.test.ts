// Dashboard sessions on the gateway's clock: the cookie's Max-Age from the injected clock, and the session cache refusing a revoked, expired or signed-out session at once.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { openDatabase } from '../../src/db/client.ts'
import { SessionCache, type CachedSession } from '../../src/services/session-cache.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

const PASSWORD = 'session test password'
const HOUR = 3_600_000
// A clock far from the machine's: a Max-Age computed from Date.now() would be off by years.
const START = Date.parse('2031-03-04T05:06:07.000Z')
let shift = 0
let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({ now: () => START + shift })
})
afterAll(async () => {
  await gw?.stop()
})

async function user(email: string): Promise<string> {
  const response = await gw.admin('POST', '/users', { org: 'test-org', email, role: 'viewer', password: PASSWORD })
  expect(response.status).toBe(201)
  return ((await response.json()) as { id: string }).id
}

async function signIn(body: Record<string, string>, path = '/dashboard/api/login') {
  const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { origin: gw.url, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(response.status).toBe(200)
  const setCookie = response.headers.get('set-cookie') ?? ''
  return { cookie: setCookie.split(';')[0]!, setCookie, identity: (await response.json()) as { expires_at: string } }
}

const session = (cookie: string) => fetch(`${gw.url}/dashboard/api/session`, { headers: { cookie } }).then((r) => r.status)

test("the cookie's Max-Age is the session length on the gateway's clock, not the machine's", async () => {
  shift = 0
  await user('clock@test.example')
  const signed = await signIn({ email: 'clock@test.example', password: PASSWORD })
  expect(signed.identity.expires_at).toBe(new Date(START + 12 * HOUR).toISOString())
  expect(signed.setCookie).toContain('; Max-Age=43200')
  // Later on the same clock: the cookie of a new session is as long, whatever Date.now() says.
  shift = 5 * HOUR
  expect((await signIn({ email: 'clock@test.example', password: PASSWORD })).setCookie).toContain('; Max-Age=43200')
  shift = 0
})

test('a disabled user, a revoked key and a signed-out session are refused on the very next request', async () => {
  shift = 0
  const id = await user('cache@test.example')
  const viewer = await signIn({ email: 'cache@test.example', password: PASSWORD })
  expect(await session(viewer.cookie)).toBe(200)
  expect(await session(viewer.cookie)).toBe(200)
  expect((await gw.admin('POST', `/users/${id}/disable`)).status).toBe(200)
  expect(await session(viewer.cookie)).toBe(401)

  const key = await gw.createKey({ name: 'holder' })
  const holder = await signIn({ key: key.key }, '/dashboard/api/login/key')
  expect(await session(holder.cookie)).toBe(200)
  expect((await gw.admin('POST', `/keys/${key.id}/revoke`)).status).toBe(200)
  expect(await session(holder.cookie)).toBe(401)

  await user('logout@test.example')
  const leaving = await signIn({ email: 'logout@test.example', password: PASSWORD })
  expect(await session(leaving.cookie)).toBe(200)
  const out = await fetch(`${gw.url}/dashboard/api/logout`, { method: 'POST', headers: { origin: gw.url, cookie: leaving.cookie } })
  expect(out.status).toBe(200)
  expect(await session(leaving.cookie)).toBe(401)
})

test('a cached session ends at its expiry on the clock, and a change by another process holds at most the cache age', async () => {
  shift = 0
  await user('expiry@test.example')
  const signed = await signIn({ email: 'expiry@test.example', password: PASSWORD })
  expect(await session(signed.cookie)).toBe(200)
  // Revoked behind the gateway's back (as the CLI's process would): the cache serves it until its entry ages out (5 s), no longer.
  const database = await openDatabase(gw.dbUrl)
  try {
    await database.client.execute({ sql: 'UPDATE dashboard_sessions SET revoked_at = ? WHERE revoked_at IS NULL AND user_id = (SELECT id FROM dashboard_users WHERE email = ?)', args: [START, 'expiry@test.example'] })
  } finally {
    database.close()
  }
  expect(await session(signed.cookie)).toBe(200)
  shift = 5_000
  expect(await session(signed.cookie)).toBe(401)

  const again = await signIn({ email: 'expiry@test.example', password: PASSWORD })
  expect(await session(again.cookie)).toBe(200)
  shift = 5_000 + 12 * HOUR
  expect(await session(again.cookie)).toBe(401)
  shift = 0
})

test('the session cache is bounded: the least recently used entry goes first', () => {
  const cache = new SessionCache({ maxEntries: 2, maxAgeMs: 1_000 })
  const entry = (keyId: string | null, at = 0): CachedSession => ({
    session: { orgId: 'org', keyId },
    userId: null,
    expiresAt: 10_000,
    keyExpiresAt: keyId ? 500 : null,
    loadedAt: at,
  })
  cache.set('a', entry(null))
  cache.set('b', entry(null))
  expect(cache.get('a', 10)).toBeDefined()
  cache.set('c', entry(null))
  expect(cache.size).toBe(2)
  expect(cache.get('b', 10)).toBeUndefined()
  expect(cache.get('a', 10)).toBeDefined()
  expect(cache.get('a', 1_000)).toBeUndefined()
  cache.set('k', entry('key_1', 400))
  expect(cache.get('k', 450)).toBeDefined()
  // The key's own expiry ends a key holder's cached session.
  expect(cache.get('k', 500)).toBeUndefined()
  cache.set('d', entry('key_2'))
  cache.drop((e) => e.session.keyId === 'key_2')
  expect(cache.get('d', 1)).toBeUndefined()
})
