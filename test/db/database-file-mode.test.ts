// The database holds key hashes, encrypted credentials and usage: a new file (and its WAL, SHM and folder) is private.
import { afterAll, afterEach, beforeEach, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { loadConfig } from '../../src/config.ts'
import { resolveSecretKey } from '../../src/secrets/secret-key.ts'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-mode-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const modeOf = (path: string) => statSync(path).mode & 0o777
let savedUmask = 0
// The usual umask, which on its own leaves new files 0644 and folders 0755.
beforeEach(() => (savedUmask = process.umask(0o022)))
afterEach(() => process.umask(savedUmask))

test('a fresh database file is 0600 in a 0700 folder, and its WAL and SHM files are 0600 after the first write', async () => {
  const data = join(dir, 'fresh', 'data')
  const path = join(data, 'sociaro.db')
  const database = await openDatabase(`file:${path}`)
  try {
    expect(modeOf(path)).toBe(0o600)
    expect(modeOf(data)).toBe(0o700)
    expect(modeOf(join(dir, 'fresh'))).toBe(0o700)
    expect(database.exposedMode).toBeUndefined()
    await database.client.execute('CREATE TABLE t (x TEXT)')
    await database.client.execute("INSERT INTO t VALUES ('secret')")
    expect(modeOf(`${path}-wal`)).toBe(0o600)
    expect(modeOf(`${path}-shm`)).toBe(0o600)
  } finally {
    database.close()
  }
})

test('an existing group-readable database keeps its mode and is reported', async () => {
  const path = join(dir, 'old.db')
  writeFileSync(path, '')
  chmodSync(path, 0o644)
  const database = await openDatabase(`file:${path}`)
  try {
    expect(modeOf(path)).toBe(0o644)
    expect(database.exposedMode).toBe(0o644)
  } finally {
    database.close()
  }
})

test('the folder made for a generated secret key (beside the database) is 0700', () => {
  const data = join(dir, 'keyed')
  const { file } = resolveSecretKey(loadConfig({ SOCIARO_DATABASE_URL: `file:${join(data, 'sociaro.db')}` }))
  expect(modeOf(data)).toBe(0o700)
  expect(modeOf(file!)).toBe(0o600)
})
