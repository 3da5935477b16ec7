// `providers list` in a shell without the server's environment: it reports the server's credentials, not its own.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.ts'
import { startGateway, type Gateway } from '../../src/gateway.ts'
import { silentLogger } from '../../src/log.ts'
import { runCli } from '../support/spawn-cli.ts'
import { ADMIN_TOKEN } from '../support/test-gateway.ts'

interface Row {
  id: string
  base_url: string
  credential: string
  checked: string
  server?: { url: string; running: boolean; stopped_at: string | null }
}

let dir: string
let dbUrl: string
let gateway: Gateway
const secret = 'provider-sources-secret-0123456789-abcdefghij'
/** What the server's environment had: never passed to the CLI below. */
const SERVER_ENV_SECRET = 'sk-server-env-only-0123456789'

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sociaro-provider-sources-'))
  dbUrl = `file:${join(dir, 'gw.db')}`
  const config = loadConfig({
    SOCIARO_PORT: '0',
    SOCIARO_DATABASE_URL: dbUrl,
    SOCIARO_SECRET_KEY: secret,
    SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN,
    SOCIARO_OPENAI_API_KEY: SERVER_ENV_SECRET,
    SOCIARO_GROQ_BASE_URL: 'http://127.0.0.1:9/groq-relay',
  })
  gateway = await startGateway(config, { log: silentLogger })
}, 30_000)
afterAll(async () => {
  await gateway.stop(1_000).catch(() => {})
  rmSync(dir, { recursive: true, force: true })
})

const list = async (env: Record<string, string> = {}) => {
  const result = await runCli(['providers', 'list', '--json'], { SOCIARO_DATABASE_URL: dbUrl, SOCIARO_SECRET_KEY: secret, ...env })
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as Row[]
}

describe('providers list from another shell', () => {
  test("reports the running server's environment credential and base URL, from its start-up report", async () => {
    expect((await runCli(['providers', 'set-credential', 'anthropic'], { SOCIARO_DATABASE_URL: dbUrl, SOCIARO_SECRET_KEY: secret }, { stdin: 'sk-ant-stored' })).code).toBe(0)
    const rows = await list()
    const byId = new Map(rows.map((row) => [row.id, row]))
    expect(byId.get('openai')).toMatchObject({ credential: 'environment', checked: 'server report' })
    expect(byId.get('anthropic')!.credential).toBe('stored')
    expect(byId.get('mistral')!.credential).toBe('missing')
    expect(byId.get('groq')!.base_url).toBe('http://127.0.0.1:9/groq-relay')
    expect(byId.get('openai')!.server).toMatchObject({ url: gateway.url, running: true, stopped_at: null })
    expect(JSON.stringify(rows)).not.toContain(SERVER_ENV_SECRET)
    const table = await runCli(['providers', 'list'], { SOCIARO_DATABASE_URL: dbUrl, SOCIARO_SECRET_KEY: secret })
    expect(table.stdout).toContain(`server running at ${gateway.url}`)
  }, 30_000)

  test('with SOCIARO_ADMIN_TOKEN the running server is asked directly', async () => {
    const rows = await list({ SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN })
    const openai = rows.find((row) => row.id === 'openai')!
    expect(openai).toMatchObject({ credential: 'environment', checked: 'server' })
    expect(rows.find((row) => row.id === 'anthropic')!.credential).toBe('stored')
  }, 30_000)

  test("this shell's own environment does not count for a server that reported", async () => {
    const rows = await list({ SOCIARO_MISTRAL_API_KEY: 'sk-only-in-this-shell' })
    expect(rows.find((row) => row.id === 'mistral')!.credential).toBe('missing')
  }, 30_000)

  test('after the server stops, the last report is shown as such', async () => {
    await gateway.stop(1_000)
    const rows = await list()
    const openai = rows.find((row) => row.id === 'openai')!
    expect(openai).toMatchObject({ credential: 'environment', checked: 'server report' })
    expect(openai.server!.running).toBe(false)
    expect(openai.server!.stopped_at).not.toBeNull()
    const table = await runCli(['providers', 'list'], { SOCIARO_DATABASE_URL: dbUrl, SOCIARO_SECRET_KEY: secret })
    expect(table.stdout).toContain('which stopped at')
  }, 30_000)
})

test('a database no server has started on says the environment shown is this shell\'s', async () => {
  const own = mkdtempSync(join(tmpdir(), 'sociaro-provider-sources-fresh-'))
  try {
    const env = { SOCIARO_DATABASE_URL: `file:${join(own, 'gw.db')}`, SOCIARO_OPENAI_API_KEY: 'sk-this-shell' }
    expect((await runCli(['migrate'], env)).code).toBe(0)
    const rows = JSON.parse((await runCli(['providers', 'list', '--json'], env)).stdout) as Row[]
    expect(rows.find((row) => row.id === 'openai')).toMatchObject({ credential: 'environment', checked: 'this shell' })
    expect((await runCli(['providers', 'list'], env)).stdout).toContain("this shell's environment, not the server's")
  } finally {
    rmSync(own, { recursive: true, force: true })
  }
}, 30_000)
