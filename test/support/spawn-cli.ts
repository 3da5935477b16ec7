// Runs the sociaro command line (source or compiled binary) as a child process and collects its output.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const MAIN = join(import.meta.dir, '../../src/main.ts')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** `timeoutMs`: kill the child after this long (a command that should exit but might serve forever). */
export async function runCli(args: string[], env: Record<string, string>, options: { stdin?: string; binary?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const command = options.binary ? [options.binary, ...args] : [process.execPath, MAIN, ...args]
  const child = Bun.spawn(command, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdin: options.stdin === undefined ? 'ignore' : new TextEncoder().encode(options.stdin),
    stdout: 'pipe',
    stderr: 'pipe',
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { code, stdout, stderr }
}

/** Starts `serve` as a child and resolves once it prints where it listens. */
export async function startServeProcess(env: Record<string, string>, options: { binary?: string; cwd?: string; args?: string[] } = {}) {
  const command = [...(options.binary ? [options.binary] : [process.execPath, MAIN]), 'serve', ...(options.args ?? [])]
  const child = Bun.spawn(command, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
    ...(options.cwd ? { cwd: options.cwd } : {}),
  })
  let log = ''
  const decoder = new TextDecoder()
  const reader = child.stderr.getReader()
  const deadline = Date.now() + 15_000
  let url: string | undefined
  while (!url && Date.now() < deadline) {
    const { done, value } = await reader.read()
    if (done) break
    log += decoder.decode(value, { stream: true })
    url = /listening on (http:\/\/[\d.]+:\d+)/.exec(log)?.[1]
  }
  if (!url) {
    child.kill()
    throw new Error(`serve did not start:\n${log}`)
  }
  // Keep draining stderr so the child never blocks on a full pipe.
  const rest = (async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return log
      log += decoder.decode(value, { stream: true })
    }
  })()
  return { child, url, logs: () => rest }
}

/**
 * `serve` as a child on a fresh database in its own temp directory, with an org and a key made by the CLI first.
 * `remove()` deletes the directory (kill the child first).
 */
export async function startServedGateway(name: string, extraEnv: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), `sociaro-${name}-`))
  const dbUrl = `file:${join(dir, `${name}.db`)}`
  const env = { SOCIARO_PORT: '0', SOCIARO_DATABASE_URL: dbUrl, SOCIARO_SECRET_KEY: `${name}-test-secret-0123456789-abcdefghijklmnop`, ...extraEnv }
  await runCli(['migrate'], env) // the other commands need an existing database
  await runCli(['orgs', 'create', name], env)
  const { key } = JSON.parse((await runCli(['keys', 'create', '--org', name, '--json'], env)).stdout) as { key: string }
  const server = await startServeProcess(env)
  return { ...server, env, dbUrl, key, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
