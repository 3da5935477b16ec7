// Every connection a local database client uses has the gateway's settings: a busy timeout and foreign keys.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-conn-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test('overlapping calls (as the key cache refresh makes) never land on a connection without the settings', async () => {
  const db = await openDatabase(`file:${join(dir, 'conn.db')}`)
  try {
    // Calls made in the same tick each borrow a connection: a pool would open more, without the PRAGMAs.
    const [busy, fks, sync] = await Promise.all([
      Promise.all(Array.from({ length: 4 }, () => db.client.execute('PRAGMA busy_timeout'))),
      Promise.all(Array.from({ length: 4 }, () => db.client.execute('PRAGMA foreign_keys'))),
      Promise.all(Array.from({ length: 4 }, () => db.client.execute('PRAGMA synchronous'))),
    ])
    expect(busy.map((r) => Number(r.rows[0]![0]))).toEqual([5000, 5000, 5000, 5000])
    expect(fks.map((r) => Number(r.rows[0]![0]))).toEqual([1, 1, 1, 1])
    expect(sync.map((r) => Number(r.rows[0]![0]))).toEqual([1, 1, 1, 1]) // NORMAL
  } finally {
    db.close()
  }
})
