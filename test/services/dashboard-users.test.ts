// Dashboard users and sessions in the services: passwords hashed with argon2id, invites once and until expiry, sessions expire and revoke, sign-ins throttled.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { directUsageReads } from '../../src/analytics/usage-reads.ts'
import { loadConfig } from '../../src/config.ts'
import { openDatabase, type Database } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { ServiceError } from '../../src/errors/service-error.ts'
import { createCredentialCipher } from '../../src/secrets/credential-cipher.ts'
import { ChangeEvents } from '../../src/services/change-events.ts'
import { createServices, type Services } from '../../src/services/services.ts'
import { SignInLimiter } from '../../src/services/sign-in-limiter.ts'
import { queryRows } from '../support/usage-rows.ts'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-dash-users-'))
const dbUrl = `file:${join(dir, 'db.sqlite')}`
let database: Database
let services: Services<null>
let clock = Date.UTC(2026, 5, 1)
const PASSWORD = 'correct horse battery staple'

beforeAll(async () => {
  database = await openDatabase(dbUrl)
  await runMigrations(database.db)
  const config = loadConfig({ SOCIARO_DATABASE_URL: dbUrl })
  services = createServices<null>({
    db: database.db,
    client: database.client,
    events: new ChangeEvents(),
    providers: config.providers,
    canonicalProvider: (name) => name,
    cipher: () => createCredentialCipher('dash-users-test-secret-key-0123456789abcdef'),
    budgets: { org: () => null, key: () => null },
    storedCredentials: () => new Set(),
    reads: directUsageReads(database.db, database.client),
    reprice: async () => ({ examined: 0, changed: 0, stillUnpriced: 0 }),
    now: () => clock,
    dashboard: { sessionMs: 3_600_000, limits: { perAccount: 3, perAddress: 5, windowMs: 60_000 } },
  })
  await services.orgs.create({ name: 'acme' })
  await services.orgs.create({ name: 'globex' })
})
afterAll(() => {
  database.close()
  rmSync(dir, { recursive: true, force: true })
})

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(ServiceError)
  return error as ServiceError
}

test('a user with a password signs in; the stored hash is argon2id and never in a view', async () => {
  const user = await services.users.create({ org: 'acme', email: 'Viewer@Acme.test', role: 'viewer', password: PASSWORD })
  expect(user).toMatchObject({ email: 'viewer@acme.test', role: 'viewer', has_password: true, status: 'active', invite: null })
  expect(JSON.stringify(user)).not.toContain('argon2')
  const [row] = await queryRows(dbUrl, 'SELECT password_hash FROM dashboard_users WHERE id = ?', [user.id])
  expect(String(row!.password_hash)).toStartWith('$argon2id$')
  const { token, session } = await services.sessions.signIn('viewer@acme.test', PASSWORD, '10.0.0.1')
  expect(session).toMatchObject({ role: 'viewer', keyId: null, identity: { org_name: 'acme', email: 'viewer@acme.test' } })
  expect((await services.sessions.resolve(token))?.orgId).toBe(session.orgId)
  // Only the token's hash is stored.
  const stored = await queryRows(dbUrl, 'SELECT token_hash FROM dashboard_sessions')
  expect(stored.map((r) => r.token_hash)).not.toContain(token)
})

test('bad input is refused: short password, unknown role, bad email, duplicate email', async () => {
  expect((await refusal(services.users.create({ org: 'acme', email: 'a@acme.test', role: 'viewer', password: 'short' }))).code).toBe('invalid')
  expect((await refusal(services.users.create({ org: 'acme', email: 'a@acme.test', role: 'owner', password: PASSWORD }))).code).toBe('invalid')
  expect((await refusal(services.users.create({ org: 'acme', email: 'not-an-email', role: 'viewer', password: PASSWORD }))).code).toBe('invalid')
  expect((await refusal(services.users.create({ org: 'globex', email: 'viewer@acme.test', role: 'viewer', password: PASSWORD }))).code).toBe('conflict')
  expect((await refusal(services.users.create({ org: 'nope', email: 'b@acme.test', role: 'viewer', password: PASSWORD }))).code).toBe('not_found')
})

test('an invite sets the password once, and not after it expires', async () => {
  const user = await services.users.create({ org: 'acme', email: 'admin@acme.test', role: 'admin', invite_hours: 2 })
  expect(user.has_password).toBe(false)
  expect(user.invite?.token).toMatch(/^[A-Za-z0-9]{32}$/)
  expect((await refusal(services.sessions.signIn('admin@acme.test', PASSWORD, undefined))).code).toBe('unauthorized')
  const accepted = await services.users.acceptInvite(user.invite!.token, PASSWORD)
  expect(accepted.has_password).toBe(true)
  expect((await refusal(services.users.acceptInvite(user.invite!.token, 'another long password'))).code).toBe('invalid')
  expect((await services.sessions.signIn('admin@acme.test', PASSWORD, undefined)).session.role).toBe('admin')

  const late = await services.users.invite(user.id, 1)
  clock += 3_600_001
  expect((await refusal(services.users.acceptInvite(late.token, 'another long password'))).code).toBe('invalid')
})

test('sessions expire, are revoked at sign-out, and end when the user is disabled', async () => {
  const user = await services.users.create({ org: 'globex', email: 'ops@globex.test', role: 'admin', password: PASSWORD })
  const first = await services.sessions.signIn('ops@globex.test', PASSWORD, undefined)
  clock += 3_600_000
  expect(await services.sessions.resolve(first.token)).toBeUndefined()
  const second = await services.sessions.signIn('ops@globex.test', PASSWORD, undefined)
  await services.sessions.signOut(second.token)
  expect(await services.sessions.resolve(second.token)).toBeUndefined()
  const third = await services.sessions.signIn('ops@globex.test', PASSWORD, undefined)
  expect(await services.sessions.resolve(third.token)).toBeDefined()
  expect((await services.users.disable(user.id)).status).toBe('disabled')
  expect(await services.sessions.resolve(third.token)).toBeUndefined()
  expect((await refusal(services.sessions.signIn('ops@globex.test', PASSWORD, undefined))).code).toBe('unauthorized')
})

test('a key holder signs in with the gateway key and is scoped to it; a revoked key ends the session', async () => {
  const key = await services.keys.create({ org: 'acme', name: 'holder' })
  const { token, session } = await services.sessions.signInWithKey(key.key, undefined)
  expect(session).toMatchObject({ role: 'key', keyId: key.id, orgId: key.org_id })
  await services.keys.revoke(key.id)
  expect(await services.sessions.resolve(token)).toBeUndefined()
  expect((await refusal(services.sessions.signInWithKey(key.key, undefined))).code).toBe('unauthorized')
})

test('failed sign-ins are throttled per account, and per address across accounts', async () => {
  for (let i = 0; i < 3; i++) await refusal(services.sessions.signIn('viewer@acme.test', 'wrong password!!', '10.0.0.9'))
  // Even the right password waits now.
  expect((await refusal(services.sessions.signIn('viewer@acme.test', PASSWORD, '10.0.0.8'))).code).toBe('rate_limited')
  for (const email of ['x1@acme.test', 'x2@acme.test']) await refusal(services.sessions.signIn(email, 'wrong password!!', '10.0.0.9'))
  expect((await refusal(services.sessions.signIn('admin@acme.test', PASSWORD, '10.0.0.9'))).code).toBe('rate_limited')
  clock += 60_000
  expect((await services.sessions.signIn('viewer@acme.test', PASSWORD, '10.0.0.9')).session.role).toBe('viewer')
})

test('the limiter table stays bounded', () => {
  let now = 0
  const limiter = new SignInLimiter(() => now, { maxEntries: 100 })
  for (let i = 0; i < 10_000; i++) limiter.failed(`user${i}`, `addr${i}`)
  expect(limiter.sizes).toEqual({ accounts: 100, addresses: 100 })
  now += 1
  expect(limiter.wait('user9999', 'addr9999')).toBe(0)
})
