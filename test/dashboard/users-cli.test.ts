// `sociaro users`: a password read from stdin (never an argument), or --invite printing a one-time link; list and disable.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../support/spawn-cli.ts'
import { queryRows } from '../support/usage-rows.ts'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-users-cli-'))
const dbUrl = `file:${join(dir, 'cli.db')}`
const env = { SOCIARO_DATABASE_URL: dbUrl }

beforeAll(async () => {
  expect((await runCli(['migrate'], env)).code).toBe(0)
  expect((await runCli(['orgs', 'create', 'acme'], env)).code).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test('users create reads the password from stdin and stores only its argon2id hash', async () => {
  const created = await runCli(['users', 'create', '--org', 'acme', '--email', 'Ops@Acme.test', '--role', 'admin', '--json'], env, { stdin: 'a long enough password\n' })
  expect(created.code).toBe(0)
  const view = JSON.parse(created.stdout) as { id: string; email: string; role: string; has_password: boolean; invite: null }
  expect(view).toMatchObject({ email: 'ops@acme.test', role: 'admin', has_password: true, invite: null })
  const [row] = await queryRows(dbUrl, 'SELECT password_hash FROM dashboard_users WHERE id = ?', [view.id])
  expect(String(row!.password_hash)).toStartWith('$argon2id$')
  expect(await Bun.password.verify('a long enough password', String(row!.password_hash))).toBe(true)

  const short = await runCli(['users', 'create', '--org', 'acme', '--email', 'x@acme.test', '--role', 'viewer'], env, { stdin: 'short\n' })
  expect(short.code).not.toBe(0)
  expect(short.stderr).toContain('at least 12 characters')
})

test('users create --invite prints a one-time link that expires; list and disable', async () => {
  const invited = await runCli(['users', 'create', '--org', 'acme', '--email', 'viewer@acme.test', '--role', 'viewer', '--invite', '--invite-hours', '4', '--base-url', 'https://gw.acme.test/'], env)
  expect(invited.code).toBe(0)
  const link = invited.stdout.match(/https:\/\/gw\.acme\.test\/dashboard#\/invite\/([A-Za-z0-9]{32})/)
  expect(link).not.toBeNull()
  const [invite] = await queryRows(dbUrl, 'SELECT * FROM dashboard_invites')
  // Only the token's hash is stored; it expires in four hours.
  expect(invite!.token_hash).not.toBe(link![1])
  expect(Number(invite!.expires_at) - Date.now()).toBeGreaterThan(3.9 * 3_600_000)
  expect(Number(invite!.expires_at) - Date.now()).toBeLessThanOrEqual(4 * 3_600_000)

  const listed = JSON.parse((await runCli(['users', 'list', '--org', 'acme', '--json'], env)).stdout) as { id: string; email: string; has_password: boolean }[]
  expect(listed.map((u) => [u.email, u.has_password])).toEqual([['ops@acme.test', true], ['viewer@acme.test', false]])
  const disabled = await runCli(['users', 'disable', listed[1]!.id, '--json'], env)
  expect(JSON.parse(disabled.stdout)).toMatchObject({ status: 'disabled' })
  expect((await runCli(['users', '--help'], env)).stdout).toContain('--invite')
})
