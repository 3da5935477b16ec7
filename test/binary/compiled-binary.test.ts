// Builds dist-style `sociaro` with `bun build --compile`, runs it alone from an empty directory, and drives it over HTTP.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI, OPENAI_CHAT_SSE_EVENTS } from '../support/provider-fakes.ts'
import { runCli, startServeProcess } from '../support/spawn-cli.ts'
import { ADMIN_TOKEN, UPSTREAM_SECRET } from '../support/test-gateway.ts'
import { queryRows } from '../support/usage-rows.ts'

const root = join(import.meta.dir, '../..')
let buildDir: string
let runDir: string
let binary: string
let upstream: FakeUpstream

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'sociaro-build-'))
  const build = Bun.spawn([process.execPath, 'src/build/compile.ts'], {
    cwd: root,
    env: { ...process.env, SOCIARO_COMPILE_OUTFILE: join(buildDir, 'sociaro') },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(build.stdout).text(), new Response(build.stderr).text(), build.exited])
  if (code !== 0) throw new Error(`build failed:\n${out}\n${err}`)
  runDir = mkdtempSync(join(tmpdir(), 'sociaro-run-'))
  binary = join(runDir, 'sociaro')
  copyFileSync(join(buildDir, 'sociaro'), binary)
  upstream = startFakeUpstream(fakeOpenAI)
}, 120_000)

afterAll(() => {
  upstream?.stop()
  rmSync(buildDir, { recursive: true, force: true })
  rmSync(runDir, { recursive: true, force: true })
})

test('the binary alone serves, issues keys with its own CLI, proxies a stream and stops cleanly', async () => {
  expect(readdirSync(runDir)).toEqual(['sociaro'])
  // No SOCIARO_DATABASE_URL: the embedded default, ./data/sociaro.db in the empty directory.
  const env = { SOCIARO_PORT: '0', SOCIARO_OPENAI_BASE_URL: upstream.url, SOCIARO_OPENAI_API_KEY: UPSTREAM_SECRET, SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN }
  expect((await runCli(['--version'], env, { binary, cwd: runDir })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)

  const server = await startServeProcess(env, { binary, cwd: runDir })
  try {
    const org = await runCli(['orgs', 'create', 'bin-team', '--json'], env, { binary, cwd: runDir })
    expect(org.code).toBe(0)
    const created = await runCli(['keys', 'create', '--org', 'bin-team', '--json'], env, { binary, cwd: runDir })
    expect(created.code).toBe(0)
    const { key } = JSON.parse(created.stdout) as { key: string }

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    let response = await fetch(`${server.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    })
    // The server picks up a key written by another process within its refresh interval.
    for (let i = 0; response.status === 401 && i < 40; i++) {
      await Bun.sleep(100)
      response = await fetch(`${server.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      })
    }
    expect(response.status).toBe(200)
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(OPENAI_CHAT_SSE_EVENTS.join('')))
    expect(upstream.requests.at(-1)!.headers.get('authorization')).toBe(`Bearer ${UPSTREAM_SECRET}`)
    // The built-in mock provider's loopback upstream is part of the binary too.
    const mock = await fetch(`${server.url}/mock/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-claude', max_tokens: 50, messages: [{ role: 'user', content: 'from the binary' }] }),
    })
    expect(mock.status).toBe(200)
    expect(((await mock.json()) as { content: { text: string }[] }).content[0]!.text).toContain('from the binary')
    // The admin API's usage report runs on the query worker, which the binary must carry as an entrypoint of its own.
    let report: { totals: { requests: number }; data: { group: string }[] } | undefined
    for (let i = 0; i < 50 && (report?.totals.requests ?? 0) < 2; i++) {
      if (i > 0) await Bun.sleep(100)
      const answer = await fetch(`${server.url}/admin/v1/usage?group_by=provider`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      expect(answer.status).toBe(200)
      report = (await answer.json()) as typeof report
    }
    expect(report!.totals.requests).toBe(2)
    expect(report!.data.map((row) => row.group).sort()).toEqual(['mock', 'openai'])

    // The dashboard page and its bundle are inside the binary: served from the empty directory, signed in with a CLI-made user.
    const page = await fetch(`${server.url}/dashboard`)
    expect(page.status).toBe(200)
    const html = await page.text()
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!)
    expect(assets.some((asset) => asset.endsWith('.js'))).toBe(true)
    for (const asset of assets) {
      expect(asset).toStartWith('/dashboard/assets/')
      expect((await fetch(`${server.url}${asset}`)).status).toBe(200)
      expect((await fetch(`${server.url}${asset.slice('/dashboard/assets'.length)}`)).status).toBe(404)
    }
    const user = await runCli(['users', 'create', '--org', 'bin-team', '--email', 'viewer@bin.example', '--role', 'viewer'], env, { binary, cwd: runDir, stdin: 'binary dashboard password\n' })
    expect(user.code).toBe(0)
    const signIn = await fetch(`${server.url}/dashboard/api/login`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'viewer@bin.example', password: 'binary dashboard password' }),
    })
    expect(signIn.status).toBe(200)
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
    const usage = await fetch(`${server.url}/dashboard/api/usage?group_by=provider`, { headers: { cookie } })
    expect(((await usage.json()) as { totals: { requests: number } }).totals.requests).toBe(2)

    server.child.kill('SIGTERM')
    expect(await server.child.exited).toBe(0)
    const logs = await server.logs()
    expect(logs).toContain('SIGTERM')
    expect(logs).not.toContain(UPSTREAM_SECRET)
    expect(readdirSync(join(runDir, 'data')).sort()).toContain('sociaro.db')
    // The compiled binary's metering worker wrote the request's usage (include_usage was not asked: estimated).
    const rows = await queryRows(`file:${join(runDir, 'data/sociaro.db')}`, "SELECT * FROM usage_events WHERE provider = 'openai'")
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', streamed: 1, ended_by: 'complete' })
    expect(['priced', 'estimated']).toContain(String(rows[0]!.cost_status))
    expect(Number(rows[0]!.output_tokens)).toBeGreaterThan(0)
    expect(Number(rows[0]!.cost_micros)).toBeGreaterThan(0)
    const mockRows = await queryRows(`file:${join(runDir, 'data/sociaro.db')}`, "SELECT * FROM usage_events WHERE provider = 'mock'")
    expect(mockRows).toHaveLength(1)
    expect(mockRows[0]).toMatchObject({ model: 'mock-claude', cost_micros: 0, cost_status: 'mock' })
  } finally {
    server.child.kill('SIGKILL')
  }
}, 60_000)
