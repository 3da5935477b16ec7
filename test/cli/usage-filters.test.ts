// `usage` filters accept what the output prints (provider/model labels, key names) and refuse what matches nothing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { runCli } from '../support/spawn-cli.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

interface Summary {
  data: { group: string; name?: string | null; requests: number }[]
  totals: { requests: number }
}

let upstream: FakeUpstream
let gw: TestGateway
let ci: { id: string; key: string }

async function chat(key: string): Promise<void> {
  const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  })
  await response.arrayBuffer()
  expect(response.status).toBe(200)
  await waitForUsageRow(gw.dbUrl, response.headers.get('x-sociaro-request-id')!)
}

beforeAll(async () => {
  upstream = startFakeUpstream(fakeOpenAI)
  gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '10' } })
  ci = await gw.createKey({ name: 'ci' })
  await chat(gw.key) // the key named "test"
  await chat(ci.key)
  await chat(ci.key)
}, 30_000)
afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

const usage = async (...args: string[]) => runCli(['usage', ...args], { SOCIARO_DATABASE_URL: gw.dbUrl })
const json = async (...args: string[]) => {
  const result = await usage(...args, '--json')
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as Summary
}

describe('usage filters', () => {
  test('--model accepts the label --group-by model prints, and the bare model name', async () => {
    const byModel = await json('--group-by', 'model')
    expect(byModel.data).toHaveLength(1)
    const label = byModel.data[0]!.group
    expect(label.startsWith('openai/')).toBe(true)
    expect((await json('--model', label)).totals.requests).toBe(3)
    expect((await json('--model', label.slice('openai/'.length))).totals.requests).toBe(3)
  }, 30_000)

  test('--key accepts the id, the name and the form keys list prints', async () => {
    expect((await json('--key', ci.id)).totals.requests).toBe(2)
    expect((await json('--key', 'ci')).totals.requests).toBe(2)
    expect((await json('--key', 'test', '--org', 'test-org')).totals.requests).toBe(1)
    const listed = JSON.parse((await runCli(['keys', 'list', '--json'], { SOCIARO_DATABASE_URL: gw.dbUrl })).stdout) as { id: string; prefix: string; last4: string }[]
    const shown = listed.find((k) => k.id === ci.id)!
    expect((await json('--key', `${shown.prefix}…${shown.last4}`)).totals.requests).toBe(2)
  }, 30_000)

  test('a filter that matches nothing is an error, not an empty table', async () => {
    for (const [flag, value] of [['--model', 'openai/gpt-nope'], ['--model', 'gpt-nope'], ['--key', 'nobody'], ['--org', 'nope'], ['--provider', 'nope']] as const) {
      const result = await usage(flag, value)
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(value)
      expect(result.stdout).toBe('')
    }
  }, 60_000)

  test('a name two keys share is refused with their ids', async () => {
    const twin = await gw.createKey({ name: 'ci' })
    const result = await usage('--key', 'ci')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(ci.id)
    expect(result.stderr).toContain(twin.id)
  }, 30_000)

  test('grouping by key or org shows names beside ids; the table has error, cache-write and reasoning columns', async () => {
    const byKey = await json('--group-by', 'key')
    expect(byKey.data.find((row) => row.group === ci.id)!.name).toBe('ci')
    const byOrg = await json('--group-by', 'org')
    expect(byOrg.data).toEqual([expect.objectContaining({ group: gw.orgId, name: 'test-org', requests: 3 })])
    const table = await usage('--group-by', 'key')
    expect(table.stdout).toContain(`${ci.id} (ci)`)
    const header = table.stdout.split('\n')[1]!
    for (const column of ['errors', 'cache write', 'reasoning']) expect(header).toContain(column)
    expect((await usage('--group-by', 'org')).stdout).toContain(`${gw.orgId} (test-org)`)
  }, 30_000)

  test('--help documents every filter and every grouping', async () => {
    const help = (await runCli(['usage', '--help'], {})).stdout
    for (const text of ['--key', '--provider', '--model', '--org', '--from', '--to', 'org|day|hour', 'openai/gpt-4o-mini']) expect(help).toContain(text)
  }, 30_000)
})

test('the admin API resolves the same names and labels', async () => {
  const label = ((await (await gw.admin('GET', '/usage?group_by=model')).json()) as Summary).data[0]!.group
  const byLabel = (await (await gw.admin('GET', `/usage?model=${encodeURIComponent(label)}&key=test`)).json()) as Summary
  expect(byLabel.totals.requests).toBe(1)
  expect((await gw.admin('GET', '/usage?model=gpt-nope')).status).toBe(404)
})
