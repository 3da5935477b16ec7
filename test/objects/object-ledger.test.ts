// The ledger's writer: ownership is known in memory at once, rows are written in order, a failed write is retried, not lost.
import type { Client } from '@libsql/client'
import { expect, test } from 'bun:test'
import { silentLogger } from '../../src/log.ts'
import type { LedgerWrite } from '../../src/objects/ledger-store.ts'
import { ObjectLedger } from '../../src/objects/object-ledger.ts'

test('a failing database delays the rows but loses none, and ownership holds meanwhile', async () => {
  const written: LedgerWrite[] = []
  let failures = 2
  const ledger = new ObjectLedger({
    // Reads are not exercised here: everything this test asks is answered from memory.
    client: {} as Client,
    persist: async (writes) => {
      if (failures-- > 0) throw new Error('SQLITE_BUSY')
      written.push(...writes)
    },
    log: silentLogger,
    now: () => 1_000,
  })
  const entry = { provider: 'openai', kind: 'file', orgId: 'org_a', keyId: 'key_a', requestId: 'req_1', status: null, snapshot: null }
  ledger.recordCreated({ ...entry, objectId: 'file-1' })
  ledger.recordCreated({ ...entry, objectId: 'file-2' })
  ledger.recordDeleted('openai', 'file-1')
  expect(ledger.known('openai', 'file-2')).toMatchObject({ orgId: 'org_a', deleted: false })
  expect(ledger.known('openai', 'file-1')).toMatchObject({ deleted: true })
  expect(await ledger.settled(10_000)).toBe(true)
  expect(written.map((w) => `${w.op} ${w.objectId}`)).toEqual(['create file-1', 'create file-2', 'delete file-1'])
  // Same-millisecond creations still order: the second is strictly later.
  const [first, second] = written as Extract<LedgerWrite, { op: 'create' }>[]
  expect(second!.at).toBeGreaterThan(first!.at)
  // The first owner stays the owner.
  ledger.recordCreated({ ...entry, objectId: 'file-2', orgId: 'org_b' })
  expect(ledger.known('openai', 'file-2')?.orgId).toBe('org_a')
  expect(ledger.pendingWrites).toBe(0)
})
