// `serve` on a port another gateway holds fails loudly (no shared SO_REUSEPORT listener), and honours --host/--port/--database.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.ts'
import { AddressInUseError } from '../../src/exclusive-listen.ts'
import { startGateway } from '../../src/gateway.ts'
import { silentLogger } from '../../src/log.ts'
import { runCli, startServeProcess } from '../support/spawn-cli.ts'
import { startTestGateway } from '../support/test-gateway.ts'

let dir: string
const secret = { SOCIARO_SECRET_KEY: 'serve-flags-test-secret-0123456789-abcdefgh' }

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sociaro-serve-flags-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A port nothing listens on right now (bound and released by this process). */
function freePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

describe('two instances on one port', () => {
  test('the second `serve` exits 1 with "address in use"; the first keeps serving alone', async () => {
    const first = await startServeProcess({ SOCIARO_PORT: '0', SOCIARO_DATABASE_URL: `file:${join(dir, 'first.db')}`, ...secret })
    try {
      const port = new URL(first.url).port
      const started = Date.now()
      // Before the fix the second one served too and never exited: killed after 20 s, it fails below.
      const second = await runCli(['serve', '--port', port, '--database', join(dir, 'second.db')], secret, { timeoutMs: 20_000 })
      expect(second.code).toBe(1)
      expect(second.stderr).toContain('address in use')
      expect(second.stderr).toContain(`127.0.0.1:${port}`)
      expect(Date.now() - started).toBeLessThan(20_000) // it exits, it does not hang with its worker running
      // Every request still reaches the first gateway (with a shared port some would have gone to the second).
      for (let i = 0; i < 10; i++) expect((await fetch(`${first.url}/readyz`, { headers: { connection: 'close' } })).status).toBe(200)
    } finally {
      first.child.kill()
      await first.child.exited
    }
  }, 60_000)

  test('in process: startGateway on a taken port throws AddressInUseError', async () => {
    const gw = await startTestGateway()
    try {
      const config = loadConfig({ SOCIARO_PORT: String(gw.gateway.port), SOCIARO_DATABASE_URL: `file:${join(dir, 'in-process.db')}`, ...secret })
      const error = await startGateway(config, { log: silentLogger }).catch((e) => e)
      expect(error).toBeInstanceOf(AddressInUseError)
      expect((error as Error).message).toContain('--port')
    } finally {
      await gw.stop()
    }
  }, 30_000)
})

describe('serve flags', () => {
  test('--port, --host and --database are used, and win over the variables', async () => {
    const port = freePort()
    const database = join(dir, 'flagged', 'gw.db')
    const server = await startServeProcess(
      { SOCIARO_PORT: '0', SOCIARO_HOST: '0.0.0.0', SOCIARO_DATABASE_URL: `file:${join(dir, 'env.db')}`, ...secret },
      { args: ['--host', '127.0.0.1', '--port', String(port), '--database', database] },
    )
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}`)
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
      expect(existsSync(database)).toBe(true)
      expect(existsSync(join(dir, 'env.db'))).toBe(false)
    } finally {
      server.child.kill()
      await server.child.exited
    }
  }, 30_000)

  test('`sociaro --port N` is serve with that flag', async () => {
    const port = freePort()
    // startServeProcess always says `serve`: run the flag-first form directly and read where it listens.
    const child = Bun.spawn([process.execPath, join(import.meta.dir, '../../src/main.ts'), '--port', String(port)], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SOCIARO_DATABASE_URL: `file:${join(dir, 'bare.db')}`, ...secret },
      stdout: 'ignore',
      stderr: 'pipe',
    })
    try {
      const reader = child.stderr.getReader()
      let log = ''
      const deadline = Date.now() + 15_000
      while (!/listening on/.test(log) && Date.now() < deadline) {
        const { done, value } = await reader.read()
        if (done) break
        log += new TextDecoder().decode(value)
      }
      expect(log).toContain(`listening on http://127.0.0.1:${port}`)
    } finally {
      child.kill()
      await child.exited
    }
  }, 30_000)

  test('unknown flags, stray arguments and a bad port are refused with status 2', async () => {
    const env = { SOCIARO_DATABASE_URL: `file:${join(dir, 'refused.db')}`, ...secret }
    const unknown = await runCli(['serve', '--prot', '9000'], env, { timeoutMs: 10_000 })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('--prot')
    const stray = await runCli(['serve', 'now'], env, { timeoutMs: 10_000 })
    expect(stray.code).toBe(2)
    const badPort = await runCli(['serve', '--port', 'eighty'], env, { timeoutMs: 10_000 })
    expect(badPort.code).toBe(2)
    expect(badPort.stderr).toContain('--port')
    expect(existsSync(join(dir, 'refused.db'))).toBe(false)
  }, 30_000)

  test('serve --help names the flags', async () => {
    const help = await runCli(['serve', '--help'], {})
    for (const flag of ['--host', '--port', '--database', '--config']) expect(help.stdout).toContain(flag)
  }, 30_000)
})
