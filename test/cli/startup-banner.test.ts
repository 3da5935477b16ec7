// The start-up banner: the URL, every provider's credential source, and a quick start only when mock can answer it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliCommand, cliEnvFor, quickStartCommands, startupBanner } from '../../src/cli/startup-banner.ts'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { runCli } from '../support/spawn-cli.ts'

const config = loadConfig({ SOCIARO_OPENAI_API_KEY: 'sk-env' })
const sourceOf = (id: string) => (id === 'mock' ? 'built-in' : id === 'openai' ? 'environment' : id === 'anthropic' ? 'stored' : undefined)
const providers = config.providers.map((provider) => ({ provider, source: sourceOf(provider.spec.id) } as const))

describe('startupBanner', () => {
  const text = startupBanner({ version: '9.9.9', url: 'http://0.0.0.0:8080', cli: 'bun src/main.ts', providers, keyPickupSeconds: 2 })

  test('names the URL and where each credential comes from', () => {
    expect(text).toContain('Sociaro 9.9.9 is listening on http://0.0.0.0:8080')
    expect(text).toMatch(/^ {2}mock +built in: no account needed \(SOCIARO_MOCK_PROVIDER=false turns it off\)$/m)
    expect(text).toMatch(/^ {2}openai +environment \(SOCIARO_OPENAI_API_KEY\)$/m)
    expect(text).toMatch(/^ {2}anthropic +stored in the database/m)
    expect(text).toMatch(/^No credential \(calls answer 503\): dashscope, byteplus, /m)
    expect(text).not.toContain('sk-env')
  })

  test('the quick start targets loopback when the gateway listens on every address', () => {
    expect(text).toContain("curl -s -w '\\n' http://127.0.0.1:8080/mock/v1/chat/completions")
    expect(text).toContain("curl -s -w '\\n' http://127.0.0.1:8080/v1/chat/completions")
    expect(text).toContain("baseURL: 'http://127.0.0.1:8080/mock/v1'")
    expect(text).toContain('base_url="http://127.0.0.1:8080/mock/v1"')
    expect(text).toContain('    sleep 2\n')
  })

  test('without the mock there is no quick start to promise, only the first-key steps', () => {
    const off = loadConfig({ SOCIARO_MOCK_PROVIDER: 'false' })
    const plain = startupBanner({
      version: '1.0.0',
      url: 'http://127.0.0.1:8080',
      cli: 'sociaro',
      providers: off.providers.map((provider) => ({ provider, source: undefined })),
      keyPickupSeconds: 2,
    })
    expect(plain).toContain('No provider has a credential: every call answers 503 until one is set.')
    expect(plain).not.toContain('/mock/')
    expect(plain).toContain('    sociaro keys create --org my-team')
  })
})

describe('the CLI the commands name', () => {
  test('relative to the current directory, or the binary', () => {
    expect(cliCommand(['bun', '/srv/sociaro/src/main.ts'], '/srv/sociaro', false, '/usr/bin/bun')).toBe('bun src/main.ts')
    expect(cliCommand(['bun', '/srv/sociaro/src/main.ts'], '/home/me', false, '/usr/bin/bun')).toBe('bun /srv/sociaro/src/main.ts')
    expect(cliCommand(['/opt/my tools/sociaro', 'serve'], '/tmp', true, '/opt/my tools/sociaro')).toBe("'/opt/my tools/sociaro'")
  })

  test("the server's database is named in front of each CLI command, never one with a password", () => {
    expect(cliEnvFor({ databaseUrl: 'file:./data/sociaro.db' })).toEqual({})
    expect(cliEnvFor({ databaseUrl: 'libsql://user:secret@db.example' })).toEqual({})
    const env = cliEnvFor({ databaseUrl: "file:/srv/it's here.db" })
    const [org] = quickStartCommands({ url: 'http://127.0.0.1:1', cli: 'sociaro', cliEnv: env, keyPickupSeconds: 1 })
    expect(org).toBe(`SOCIARO_DATABASE_URL='file:/srv/it'\\''s here.db' sociaro orgs create demo`)
  })
})

describe('configuration', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sociaro-mock-config-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  test('SOCIARO_MOCK_PROVIDER is on by default, off with false, refused otherwise', () => {
    expect(loadConfig({}).providers.some((p) => p.spec.id === 'mock' && p.inProcess)).toBe(true)
    expect(loadConfig({ SOCIARO_MOCK_PROVIDER: 'false' }).providers.some((p) => p.spec.id === 'mock')).toBe(false)
    expect(() => loadConfig({ SOCIARO_MOCK_PROVIDER: 'maybe' })).toThrow(ConfigError)
    expect(() => loadConfig({ SOCIARO_MOCK_PROVIDER: 'maybe' })).toThrow('SOCIARO_MOCK_PROVIDER')
  })

  test('a custom provider cannot take the id "mock", even with the mock off', () => {
    const file = join(dir, 'sociaro.toml')
    writeFileSync(file, '[[providers]]\nid = "mock"\nbase_url = "https://example.com/v1"\n')
    expect(() => loadConfig({ SOCIARO_CONFIG: file, SOCIARO_MOCK_PROVIDER: 'false' })).toThrow('reserved')
  })

  test('providers list shows the mock as built in', async () => {
    const db = `file:${join(dir, 'cli.db')}`
    // Data commands never create a database: migrate makes it, as a first run of serve would.
    expect((await runCli(['migrate'], { SOCIARO_DATABASE_URL: db })).code).toBe(0)
    const listed = await runCli(['providers', 'list', '--json'], { SOCIARO_DATABASE_URL: db })
    const rows = JSON.parse(listed.stdout) as { id: string; credential: string }[]
    expect(rows.find((row) => row.id === 'mock')?.credential).toBe('built-in')
    expect(rows.find((row) => row.id === 'openai')?.credential).toBe('missing')
    const stored = await runCli(['providers', 'set-credential', 'mock'], { SOCIARO_DATABASE_URL: db }, { stdin: 'sk-anything' })
    expect(stored.code).not.toBe(0)
    expect(stored.stderr).toContain('the mock provider needs no credential')
  })
})
