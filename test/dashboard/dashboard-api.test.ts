// The dashboard over real HTTP: the page and its assets, sign-in and cookies, CSRF and Origin checks, roles, and org/key scoping no URL escapes.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { PASSWORD, seedDashboard, type Seeded } from './seed.ts'

let gw: TestGateway
let seeded: Seeded

beforeAll(async () => {
  gw = await startTestGateway()
  seeded = await seedDashboard(gw, Date.now())
})
afterAll(async () => {
  await gw?.stop()
})

interface Signed {
  cookie: string
  csrf: string
  setCookie: string
  identity: Record<string, unknown>
}

const origin = () => ({ origin: gw.url })

async function signIn(body: Record<string, string>, path = '/dashboard/api/login'): Promise<Signed> {
  const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...origin(), 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`)
  const setCookie = response.headers.get('set-cookie') ?? ''
  const identity = (await response.json()) as Record<string, unknown>
  return { cookie: setCookie.split(';')[0]!, csrf: String(identity.csrf_token), setCookie, identity }
}

const get = (as: Signed, path: string) => fetch(`${gw.url}${path}`, { headers: { cookie: as.cookie } })
const send = (as: Signed, method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, {
    method,
    headers: { cookie: as.cookie, 'x-csrf-token': as.csrf, 'content-type': 'application/json', ...origin(), ...headers },
    body: JSON.stringify(body),
  })

test('the page and its bundled assets are served, with no reference to another origin', async () => {
  const response = await fetch(`${gw.url}/dashboard`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/html')
  const html = await response.text()
  expect(html).toContain("default-src 'self'")
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
  expect(assets.length).toBeGreaterThanOrEqual(2)
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  for (const asset of assets) {
    // Under /dashboard/ only: the root belongs to provider routes.
    expect(asset).toMatch(/^\/dashboard\/assets\/chunk-[a-z0-9]+\.(js|css)$/)
    const served = await fetch(new URL(asset, gw.url))
    expect(served.status).toBe(200)
    expect(served.headers.get('cache-control')).toContain('immutable')
    const body = await served.text()
    expect(body.length).toBeGreaterThan(0)
    expect(body).not.toMatch(/https?:\/\/(cdn|unpkg|fonts)\./)
    const atRoot = await fetch(new URL(asset.slice('/dashboard/assets'.length), gw.url))
    expect(atRoot.status).toBe(404)
    expect(await atRoot.text()).not.toBe(body)
    expect((await fetch(new URL(asset, gw.url), { headers: { 'if-none-match': served.headers.get('etag')! } })).status).toBe(304)
  }
  expect((await fetch(`${gw.url}/dashboard/assets/nothing.js`)).status).toBe(404)
})

test('sign-in sets an HttpOnly, SameSite=Strict session cookie; wrong passwords are refused', async () => {
  const viewer = await signIn({ email: seeded.viewer, password: PASSWORD })
  expect(viewer.setCookie).toMatch(/^sociaro_session=[A-Za-z0-9]{43}; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=\d+$/)
  expect(viewer.identity).toMatchObject({ role: 'viewer', org_id: gw.orgId, org_name: 'test-org', email: seeded.viewer })
  const wrong = await fetch(`${gw.url}/dashboard/api/login`, { method: 'POST', headers: origin(), body: JSON.stringify({ email: seeded.viewer, password: 'nope nope nope' }) })
  expect(wrong.status).toBe(401)
  // Behind a TLS proxy the cookie is Secure.
  const proxied = await fetch(`${gw.url}/dashboard/api/login`, { method: 'POST', headers: { ...origin(), 'x-forwarded-proto': 'https' }, body: JSON.stringify({ email: seeded.viewer, password: PASSWORD }) })
  expect(proxied.headers.get('set-cookie')).toEndWith('; Secure')
  expect(proxied.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
})

test('sign-in from another origin (login CSRF) and reads without a session are refused', async () => {
  const foreign = await fetch(`${gw.url}/dashboard/api/login`, { method: 'POST', headers: { origin: 'https://evil.example' }, body: JSON.stringify({ email: seeded.viewer, password: PASSWORD }) })
  expect(foreign.status).toBe(403)
  const noOrigin = await fetch(`${gw.url}/dashboard/api/login`, { method: 'POST', body: JSON.stringify({ email: seeded.viewer, password: PASSWORD }) })
  expect(noOrigin.status).toBe(403)
  expect((await fetch(`${gw.url}/dashboard/api/usage`)).status).toBe(401)
  expect((await fetch(`${gw.url}/dashboard/api/keys`, { headers: { cookie: 'sociaro_session=forged' } })).status).toBe(401)
})

test('a change needs the CSRF token and the same origin; a viewer can change nothing', async () => {
  const admin = await signIn({ email: seeded.admin, password: PASSWORD })
  const missing = await send(admin, 'POST', '/dashboard/api/keys', { name: 'x' }, { 'x-csrf-token': '' })
  expect(missing.status).toBe(403)
  const wrongToken = await send(admin, 'POST', '/dashboard/api/keys', { name: 'x' }, { 'x-csrf-token': 'A'.repeat(32) })
  expect(wrongToken.status).toBe(403)
  const crossSite = await send(admin, 'POST', '/dashboard/api/keys', { name: 'x' }, { origin: 'https://evil.example' })
  expect(crossSite.status).toBe(403)
  const created = await send(admin, 'POST', '/dashboard/api/keys', { name: 'from-dashboard', models: ['openai/*'], rpm: 60 })
  expect(created.status).toBe(201)
  const key = (await created.json()) as { id: string; key: string; org_id: string }
  expect(key.key).toStartWith('gw_live_')
  expect(key.org_id).toBe(gw.orgId)
  const edited = await send(admin, 'PATCH', `/dashboard/api/keys/${key.id}`, { models: ['openai/gpt-4o*'], tpm: 1000 })
  expect(await edited.json()).toMatchObject({ models: ['openai/gpt-4o*'], tpm: 1000, rpm: 60 })

  const viewer = await signIn({ email: seeded.viewer, password: PASSWORD })
  for (const [method, path] of [['POST', '/dashboard/api/keys'], ['PATCH', `/dashboard/api/keys/${key.id}`], ['POST', `/dashboard/api/keys/${key.id}/revoke`]] as const) {
    const refused = await send(viewer, method, path, { name: 'viewer-made' })
    expect(refused.status).toBe(403)
  }
  const revoked = await send(admin, 'POST', `/dashboard/api/keys/${key.id}/revoke`, {})
  expect(((await revoked.json()) as { status: string }).status).toBe('revoked')
  // Revoked keys stay in the list.
  const list = (await (await get(viewer, '/dashboard/api/keys')).json()) as { data: { id: string; status: string }[] }
  expect(list.data.find((k) => k.id === key.id)?.status).toBe('revoked')
})

test("another org's data is unreachable by any URL: keys, usage and requests are scoped server-side", async () => {
  const admin = await signIn({ email: seeded.admin, password: PASSWORD })
  expect((await get(admin, `/dashboard/api/keys/${seeded.globexKeyId}`)).status).toBe(404)
  expect((await send(admin, 'PATCH', `/dashboard/api/keys/${seeded.globexKeyId}`, { rpm: 1 })).status).toBe(404)
  expect((await send(admin, 'POST', `/dashboard/api/keys/${seeded.globexKeyId}/revoke`, {})).status).toBe(404)
  const keys = (await (await get(admin, '/dashboard/api/keys')).json()) as { data: { org_id: string }[] }
  expect(keys.data.every((k) => k.org_id === gw.orgId)).toBe(true)
  // An org in the query string is ignored; a key of another org is "not found" within this one.
  const widened = (await (await get(admin, `/dashboard/api/usage?group_by=key&org=${seeded.globexOrgId}`)).json()) as { data: { group: string }[] }
  expect(widened.data.map((row) => row.group).sort()).toEqual([gw.keyId, seeded.otherKeyId].sort())
  expect((await get(admin, `/dashboard/api/usage?key=${seeded.globexKeyId}`)).status).toBe(404)
  const requests = (await (await get(admin, `/dashboard/api/requests?limit=500&org=${seeded.globexOrgId}`)).json()) as { data: { org_id: string }[] }
  expect(requests.data.length).toBeGreaterThan(0)
  expect(requests.data.every((r) => r.org_id === gw.orgId)).toBe(true)
})

test('numbers match the admin API for the same range', async () => {
  const viewer = await signIn({ email: seeded.viewer, password: PASSWORD })
  const from = new Date(Date.now() - 7 * 86_400_000).toISOString()
  const to = new Date(Date.now() + 3_600_000).toISOString()
  const mine = (await (await get(viewer, `/dashboard/api/usage?group_by=model&from=${from}&to=${to}`)).json()) as { totals: Record<string, number> }
  const adminApi = (await (await gw.admin('GET', `/usage?org=test-org&group_by=model&from=${from}&to=${to}`)).json()) as { totals: Record<string, number> }
  expect(mine.totals).toEqual(adminApi.totals)
  expect(mine.totals.requests).toBe(240)
})

test('a key holder sees only that key, and cannot change anything', async () => {
  const holder = await signIn({ key: gw.key }, '/dashboard/api/login/key')
  expect(holder.identity).toMatchObject({ role: 'key', key_id: gw.keyId })
  const keys = (await (await get(holder, '/dashboard/api/keys')).json()) as { data: { id: string }[] }
  expect(keys.data.map((k) => k.id)).toEqual([gw.keyId])
  expect((await get(holder, `/dashboard/api/keys/${seeded.otherKeyId}`)).status).toBe(404)
  const usage = (await (await get(holder, `/dashboard/api/usage?group_by=key&key=${seeded.otherKeyId}`)).json()) as { data: { group: string }[] }
  expect(usage.data.map((row) => row.group)).toEqual([gw.keyId])
  const requests = (await (await get(holder, '/dashboard/api/requests?limit=500')).json()) as { data: { key_id: string }[] }
  expect(requests.data.length).toBe(120)
  expect(requests.data.every((r) => r.key_id === gw.keyId)).toBe(true)
  expect((await send(holder, 'POST', '/dashboard/api/keys', { name: 'nope' })).status).toBe(403)
})

test('sign-out revokes the session; an invite link sets a password once', async () => {
  const viewer = await signIn({ email: seeded.viewer, password: PASSWORD })
  const out = await fetch(`${gw.url}/dashboard/api/logout`, { method: 'POST', headers: { cookie: viewer.cookie, ...origin() } })
  expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
  expect((await get(viewer, '/dashboard/api/session')).status).toBe(401)

  const invited = (await (await gw.admin('POST', '/users', { org: 'test-org', email: 'new@test.example', role: 'viewer' })).json()) as { invite: { token: string; path: string } }
  expect(invited.invite.path).toBe(`/dashboard#/invite/${invited.invite.token}`)
  const accept = (token: string) => fetch(`${gw.url}/dashboard/api/invite`, { method: 'POST', headers: origin(), body: JSON.stringify({ token, password: PASSWORD }) })
  expect((await accept(invited.invite.token)).status).toBe(200)
  expect((await accept(invited.invite.token)).status).toBe(400)
  expect((await signIn({ email: 'new@test.example', password: PASSWORD })).identity.role).toBe('viewer')
  const users = (await (await gw.admin('GET', '/users?org=test-org')).json()) as { data: { email: string; has_password: boolean }[] }
  expect(users.data.map((u) => u.email).sort()).toEqual(['admin@test.example', 'new@test.example', 'viewer@test.example'])
})

test('the request log filters by outcome and cost status on the server, and refuses unknown values', async () => {
  const viewer = await signIn({ email: seeded.viewer, password: PASSWORD })
  const page = async (q: string) => (await (await get(viewer, `/dashboard/api/requests?limit=500&${q}`)).json()) as { data: { status: number; cost_status: string }[] }
  const failed = await page('status=error')
  // 120 rows per key, every 17th one failed (i = 0, 17, …, 119): 8 per key.
  expect(failed.data.length).toBe(16)
  expect(failed.data.every((r) => r.status >= 400)).toBe(true)
  const ok = await page('status=ok')
  expect(ok.data.length).toBe(240 - 16)
  const unpriced = await page('cost_status=unpriced')
  expect(unpriced.data.length).toBeGreaterThan(0)
  expect(unpriced.data.every((r) => r.cost_status === 'unpriced')).toBe(true)
  const totals = (await (await get(viewer, '/dashboard/api/usage?group_by=provider')).json()) as { totals: { unpriced_requests: number } }
  expect(unpriced.data.length).toBe(totals.totals.unpriced_requests)
  expect((await get(viewer, '/dashboard/api/requests?status=maybe')).status).toBe(400)
  expect((await get(viewer, '/dashboard/api/requests?cost_status=free')).status).toBe(400)
})

test('the budget shown is the org\'s for its users and the key\'s own for a key holder, as the admin API has them', async () => {
  expect((await gw.admin('PATCH', '/orgs/test-org', { budget_usd: 20 })).status).toBe(200)
  expect((await gw.admin('PATCH', `/keys/${gw.keyId}`, { budget_usd: 3, budget_period: 'day' })).status).toBe(200)
  const viewer = await signIn({ email: seeded.viewer, password: PASSWORD })
  const org = (await (await get(viewer, '/dashboard/api/budget')).json()) as { scope: string; budget: { limit_usd: number; period: string } }
  const adminOrg = (await (await gw.admin('GET', '/orgs/test-org')).json()) as { budget: unknown }
  expect(org).toEqual({ scope: 'org', budget: adminOrg.budget as typeof org.budget })
  expect(org.budget).toMatchObject({ limit_usd: 20, period: 'month' })
  const holder = await signIn({ key: gw.key }, '/dashboard/api/login/key')
  const key = (await (await get(holder, '/dashboard/api/budget')).json()) as { scope: string; budget: { limit_usd: number; period: string } }
  expect(key).toMatchObject({ scope: 'key', budget: { limit_usd: 3, period: 'day' } })
})
