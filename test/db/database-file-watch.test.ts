// A database file deleted or replaced under a running gateway is noticed: unhealthy, logged, counted, nothing acknowledged.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { copyFileSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseWatch } from '../../src/db/database-watch.ts'
import { fileIdentity } from '../../src/db/file-identity.ts'
import { localPathOf } from '../../src/db/client.ts'
import { createLogger } from '../../src/log.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

let upstream: FakeUpstream
beforeAll(() => (upstream = startFakeUpstream(fakeOpenAI)))
afterAll(() => upstream.stop())

function capture() {
  const lines: string[] = []
  return { lines, log: createLogger('info', (line) => lines.push(line)) }
}

function chat(gw: TestGateway) {
  return fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  })
}

async function metric(gw: TestGateway, name: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  if (!line) throw new Error(`no metric ${name}`)
  return Number(line.slice(name.length + 1))
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(100)
  }
}

/** Waits until /healthz answers 503, and returns its body. */
const unhealthy = (gw: TestGateway) =>
  until('/healthz to answer 503', async () => {
    const response = await fetch(`${gw.url}/healthz`)
    return response.status === 503 ? ((await response.json()) as { status: string; database: string }) : undefined
  })

test('deleting the database file: 503 from /healthz and /readyz, an error log, the gauge at 0, usage held and counted as failed writes', async () => {
  const { lines, log } = capture()
  const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '20' }, log })
  let stopped = false
  try {
    const path = localPathOf(gw.dbUrl)!
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200)
    expect(await metric(gw, 'sociaro_database_healthy')).toBe(1)
    const before = await chat(gw)
    expect(before.status).toBe(200)
    await waitForUsageRow(gw.dbUrl, before.headers.get('x-sociaro-request-id')!)

    unlinkSync(path)
    const health = await unhealthy(gw)
    expect(health).toMatchObject({ status: 'degraded' })
    expect(health.database).toContain('was deleted')
    const ready = await fetch(`${gw.url}/readyz`)
    expect(ready.status).toBe(503)
    expect(((await ready.json()) as { database: string }).database).toContain('was deleted')
    expect(lines.filter((l) => l.includes(' ERROR ') && l.includes('was deleted'))).toHaveLength(1)
    expect(await metric(gw, 'sociaro_database_healthy')).toBe(0)

    // Traffic still flows (keys are in memory), but its usage row is not written into the deleted file, nor acknowledged.
    const after = await chat(gw)
    expect(after.status).toBe(200)
    await after.arrayBuffer()
    await until('a refused usage write', async () => ((await metric(gw, 'sociaro_meter_write_failures_total')) > 0 ? true : undefined))
    expect(await metric(gw, 'sociaro_meter_queue_depth')).toBe(1)
    expect(lines.some((l) => l.includes('usage write failed') && l.includes('was deleted'))).toBe(true)

    // A change the admin API would report as done, and lose at the next start, is refused.
    const key = await gw.admin('POST', '/keys', { org: 'test-org', name: 'after-delete' })
    expect(key.status).toBe(503)
    expect(((await key.json()) as { error: { type: string } }).error.type).toBe('database_unavailable')
    expect((await gw.admin('GET', '/keys')).status).toBe(200)

    // Shutdown does not wait out the drain deadline for writes that cannot succeed, and says what was lost.
    const stopStarted = performance.now()
    await gw.stop()
    stopped = true
    expect(performance.now() - stopStarted).toBeLessThan(10_000)
    expect(lines.some((l) => l.includes('usage rows still pending at shutdown') && l.includes('"pending":1'))).toBe(true)
  } finally {
    if (!stopped) await gw.stop()
  }
}, 30_000)

test('replacing the database file with another one (a restore copied over it) is reported too', async () => {
  const gw = await startTestGateway({ upstreams: { openai: upstream.url } })
  try {
    const path = localPathOf(gw.dbUrl)!
    renameSync(path, `${path}.moved`)
    copyFileSync(`${path}.moved`, path)
    const health = await unhealthy(gw)
    expect(health.database).toContain('was replaced by another file')
  } finally {
    await gw.stop()
  }
}, 30_000)

test('the watch logs a lasting problem once, again after the repeat interval, and notices the file coming back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-watch-'))
  try {
    const path = join(dir, 'sociaro.db')
    writeFileSync(path, '')
    let now = 0
    const { lines, log } = capture()
    const watch = new DatabaseWatch({ path, identity: fileIdentity(path)! }, log, () => now, 60_000)
    watch.check()
    expect(watch.problem).toBeUndefined()
    renameSync(path, `${path}.away`)
    watch.check()
    now += 30_000
    watch.check()
    expect(watch.problem).toContain('was deleted')
    expect(lines.filter((l) => l.includes(' ERROR '))).toHaveLength(1)
    now += 30_000
    watch.check()
    expect(lines.filter((l) => l.includes(' ERROR '))).toHaveLength(2)
    renameSync(`${path}.away`, path)
    watch.check()
    expect(watch.problem).toBeUndefined()
    expect(lines.at(-1)).toContain('the database file is the one the gateway opened again')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
