// Commands other than serve and migrate never create a database: run from the wrong directory they say where they looked.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../support/spawn-cli.ts'

let dir: string
let serverDir: string
let elsewhere: string
const secret = { SOCIARO_SECRET_KEY: 'database-choice-secret-0123456789-abcdefgh' }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sociaro-db-choice-'))
  serverDir = join(dir, 'server')
  elsewhere = join(dir, 'elsewhere')
  mkdirSync(serverDir)
  mkdirSync(elsewhere)
  // The server's directory gets its database the way serve would make it (the default, relative path).
  expect((await runCli(['migrate'], secret, { cwd: serverDir })).code).toBe(0)
  expect((await runCli(['orgs', 'create', 'team'], secret, { cwd: serverDir })).code).toBe(0)
}, 30_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a command run from another directory', () => {
  test('keys create refuses to make ./data/sociaro.db, names the absolute path and how to point at the right one', async () => {
    const result = await runCli(['keys', 'create', '--org', 'team'], secret, { cwd: elsewhere })
    expect(result.code).toBe(1)
    expect(result.stdout).not.toContain('gw_live_')
    expect(result.stderr).toContain(join(elsewhere, 'data/sociaro.db'))
    expect(result.stderr).toContain('--database')
    expect(result.stderr).toContain('SOCIARO_DATABASE_URL')
    expect(readdirSync(elsewhere)).toEqual([]) // no data/ folder, no database, no secret.key
  }, 30_000)

  test('every data command refuses alike, naming where the path came from', async () => {
    for (const args of [['orgs', 'list'], ['keys', 'list'], ['providers', 'list'], ['usage'], ['reprice', '--from', '2026-01-01', '--to', '2026-02-01']]) {
      const result = await runCli(args, { ...secret, SOCIARO_DATABASE_URL: 'file:./nope/gw.db' }, { cwd: elsewhere })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(join(elsewhere, 'nope/gw.db'))
      expect(result.stderr).toContain('SOCIARO_DATABASE_URL')
    }
    expect(readdirSync(elsewhere)).toEqual([])
  }, 60_000)

  test('--database (a relative path, an absolute one or a file: URL) reaches the server\'s database', async () => {
    const relative = await runCli(['keys', 'create', '--org', 'team', '--database', '../server/data/sociaro.db', '--json'], secret, { cwd: elsewhere })
    expect(relative.code).toBe(0)
    expect(JSON.parse(relative.stdout).key).toMatch(/^gw_live_/)
    const absolute = await runCli(['orgs', 'list', '--json', '--database', join(serverDir, 'data/sociaro.db')], secret, { cwd: elsewhere })
    expect(JSON.parse(absolute.stdout).map((o: { name: string }) => o.name)).toEqual(['team'])
    const url = await runCli(['keys', 'list', `--database=file:${join(serverDir, 'data/sociaro.db')}`, '--json'], secret, { cwd: elsewhere })
    expect(JSON.parse(url.stdout)).toHaveLength(1)
    expect(readdirSync(elsewhere)).toEqual([])
  }, 30_000)

  test('migrate names the database it migrated', async () => {
    const migrated = await runCli(['migrate'], secret, { cwd: serverDir })
    expect(migrated.stdout).toContain(`migrations applied to ${join(serverDir, 'data/sociaro.db')}`)
  }, 30_000)

  test('--verbose says which database was used, on stderr (stdout stays machine-readable)', async () => {
    const result = await runCli(['orgs', 'list', '--json', '--verbose'], secret, { cwd: serverDir })
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`database ${join(serverDir, 'data/sociaro.db')}`)
    expect(JSON.parse(result.stdout)).toHaveLength(1)
  }, 30_000)

  test('a missing database named by --database is refused too, and only migrate creates one', async () => {
    const target = join(elsewhere, 'fresh', 'gw.db')
    const refused = await runCli(['orgs', 'create', 'x', '--database', target], secret)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`${target} (from --database)`)
    expect(existsSync(target)).toBe(false)
    const made = await runCli(['migrate', '--database', target], secret)
    expect(made.code).toBe(0)
    expect(existsSync(target)).toBe(true)
    rmSync(join(elsewhere, 'fresh'), { recursive: true, force: true })
  }, 30_000)

  test('--database without a value is a usage error', async () => {
    const result = await runCli(['orgs', 'list', '--database'], secret, { cwd: serverDir })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--database needs a value')
  }, 30_000)
})
