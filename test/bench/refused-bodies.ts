// Measures what refused uploads cost the gateway process (`bun test/bench/refused-bodies.ts`): RSS peak and /healthz latency.
// Scenario A: a key with rpm=1 sends 40 × 30 MiB bodies at once. Scenario B: 16 × 45 MiB bodies to /admin/v1/orgs, no token.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { streamUpload, type UploadResult } from '../support/raw-http.ts'
import { BUN, freePort, killAll, procStatusKb, readFirstLine, rssSampler, track, waitFor200 } from './processes.ts'

const MiB = 1024 * 1024
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef'
const tmp = mkdtempSync(join(tmpdir(), 'sociaro-refused-'))
const port = freePort()
const url = `http://127.0.0.1:${port}`

try {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' }
  const proc = track(
    Bun.spawn([BUN, 'src/main.ts', 'serve'], {
      env: {
        ...env,
        SOCIARO_HOST: '127.0.0.1',
        SOCIARO_PORT: String(port),
        SOCIARO_DATABASE_URL: `file:${join(tmp, 'gw.db')}`,
        SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN,
        SOCIARO_SECRET_KEY: 'bench-secret-key-0123456789-abcdefghijklmnop',
        // Nothing listens there: the one admitted request fails upstream, which is all this needs.
        SOCIARO_OPENAI_BASE_URL: `http://127.0.0.1:${freePort()}`,
        SOCIARO_OPENAI_API_KEY: 'sk-unused',
        SOCIARO_LOG_LEVEL: 'error',
      },
      stdout: 'pipe',
      stderr: 'inherit',
    }),
  )
  void readFirstLine(proc, 10_000).catch(() => '')
  await waitFor200(`${url}/readyz`, 15_000, proc)
  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${url}/admin/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return (await res.json()) as Record<string, unknown>
  }
  await admin('/orgs', { name: 'bench' })
  const key = String((await admin('/keys', { org: 'bench', rpm: 1 })).key)
  const used = await fetch(`${url}/openai/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"model":"m"}' })
  await used.arrayBuffer()

  const scenario = async (name: string, uploads: () => Promise<UploadResult>[]) => {
    Bun.gc(true)
    await Bun.sleep(500)
    const before = (await procStatusKb(proc.pid, 'VmRSS')) ?? 0
    const sampler = rssSampler(proc.pid, 50)
    const started = performance.now()
    const pending = uploads()
    await Bun.sleep(100)
    const healthStarted = performance.now()
    await (await fetch(`${url}/healthz`)).arrayBuffer()
    const healthMs = performance.now() - healthStarted
    const results = await Promise.all(pending)
    const peak = (await sampler.stop()) ?? 0
    const statuses = new Map<number, number>()
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
    const sentMiB = results.reduce((sum, r) => sum + r.bodyBytesSent, 0) / MiB
    console.log(
      `${name}: RSS ${Math.round(before / 1024)} → peak ${Math.round(peak / 1024)} MiB; /healthz during the flood ${healthMs.toFixed(0)} ms; ` +
        `answers ${JSON.stringify(Object.fromEntries(statuses))}; body bytes the server took ${sentMiB.toFixed(0)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
  }

  const chatHead = `POST /openai/v1/chat/completions HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer ${key}\nContent-Type: application/json\nContent-Length: ${30 * MiB}`
  await scenario('40 × 30 MiB, rpm=1 key', () => Array.from({ length: 40 }, () => streamUpload(port, chatHead, { bodyBytes: 30 * MiB, timeoutMs: 60_000 })))
  const adminHead = `POST /admin/v1/orgs HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: ${45 * MiB}`
  await scenario('16 × 45 MiB, admin, no token', () => Array.from({ length: 16 }, () => streamUpload(port, adminHead, { bodyBytes: 45 * MiB, timeoutMs: 60_000 })))
} finally {
  await killAll()
  rmSync(tmp, { recursive: true, force: true })
}
