// Slow-header flood against a real gateway process (`bun test/bench/slow-headers.ts [connections] [fd limit]`):
// how long a legitimate /healthz waits, and when Bun closes the slow connections. Loopback only; every socket is closed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BUN, freePort, killAll, track, waitFor200 } from './processes.ts'

const connections = Number(process.argv[2] ?? 1_100)
/** The gateway's open-file limit (soft and hard); below `connections` the flood exhausts its descriptors. */
const fdLimit = Number(process.argv[3] ?? 20_000)
const idleTimeoutS = Number(process.argv[4] ?? 120)
const tmp = mkdtempSync(join(tmpdir(), 'sociaro-slow-headers-'))
const port = freePort()
const url = `http://127.0.0.1:${port}`
const sockets: Bun.Socket<undefined>[] = []

try {
  const proc = track(
    Bun.spawn(['sh', '-c', `ulimit -n ${fdLimit} && exec "$0" src/main.ts serve`, BUN], {
      env: {
        PATH: process.env.PATH ?? '',
        SOCIARO_HOST: '127.0.0.1',
        SOCIARO_PORT: String(port),
        SOCIARO_DATABASE_URL: `file:${join(tmp, 'gw.db')}`,
        SOCIARO_SECRET_KEY: 'bench-secret-key-0123456789-abcdefghijklmnop',
        SOCIARO_SERVER_IDLE_TIMEOUT_S: String(idleTimeoutS),
        SOCIARO_LOG_LEVEL: 'error',
      },
      stdout: 'ignore',
      stderr: 'ignore',
    }),
  )
  await waitFor200(`${url}/readyz`, 15_000, proc)
  const started = performance.now()
  let closed = 0
  let firstCloseMs = -1
  for (let i = 0; i < connections; i++) {
    const socket = await Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        data() {},
        error() {},
        close() {
          closed++
          if (firstCloseMs < 0) firstCloseMs = performance.now() - started
        },
      },
    })
    sockets.push(socket)
  }
  const line = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(64)}`
  let next = 0
  const drip = setInterval(() => {
    for (const socket of sockets) socket.write(line[Math.min(next, line.length - 1)]!)
    next++
  }, 1_000)
  await Bun.sleep(1_500)
  // A new connection, as a new client would open (a pooled fetch connection from the readiness poll would skip the queue).
  const asked = performance.now()
  const status = await new Promise<string>((resolve) => {
    let text = ''
    void Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open: (socket) => void socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
        data: (_socket, chunk) => void (text += chunk.toString()),
        close: () => resolve(text.split('\r\n')[0] ?? ''),
        error: () => resolve('error'),
      },
    })
  })
  const waitedMs = performance.now() - asked
  await Bun.sleep(Math.max(0, 14_000 - (performance.now() - started)))
  clearInterval(drip)
  console.log(
    `${connections} slow-header connections, fd limit ${fdLimit}, idleTimeout ${idleTimeoutS} s: legitimate /healthz on a new connection answered "${status}" after ${waitedMs.toFixed(0)} ms; ` +
      `the server closed ${closed} slow connections within 14 s, the first at ${(firstCloseMs / 1000).toFixed(1)} s`,
  )
} finally {
  for (const socket of sockets) socket.terminate()
  await killAll()
  rmSync(tmp, { recursive: true, force: true })
}
