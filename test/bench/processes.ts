// Child-process plumbing for the benchmark: spawn on loopback, read a ready line, poll readiness, sample RSS, kill everything.
import { readdirSync } from 'node:fs'
import type { Subprocess } from 'bun'

export const BUN = process.execPath
const children = new Set<Subprocess>()

export function track<T extends Subprocess>(proc: T): T {
  children.add(proc)
  proc.exited.finally(() => children.delete(proc))
  return proc
}

/** Sends SIGTERM to every live child, waits up to `graceMs`, then SIGKILLs what is left. */
export async function killAll(graceMs = 2000): Promise<void> {
  const live = [...children].filter((p) => p.exitCode === null && p.signalCode === null)
  for (const p of live) p.kill('SIGTERM')
  await Promise.race([Promise.all(live.map((p) => p.exited)), Bun.sleep(graceMs)])
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
}

/** Synchronous last resort (process 'exit' handler). */
export function killAllSync(): void {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
}

/** Reads the first stdout line of a child (JSON), failing after `timeoutMs`. */
export async function readFirstLine(proc: Subprocess<'ignore', 'pipe', any>, timeoutMs: number): Promise<string> {
  const reader = proc.stdout.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const deadline = Date.now() + timeoutMs
  try {
    while (!text.includes('\n')) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw new Error('timed out waiting for the child to report its URL')
      const next = await Promise.race([reader.read(), Bun.sleep(remaining).then(() => 'timeout' as const)])
      if (next === 'timeout') throw new Error('timed out waiting for the child to report its URL')
      if (next.done) throw new Error(`child exited before reporting its URL (exit ${await proc.exited})`)
      text += decoder.decode(next.value, { stream: true })
    }
  } finally {
    reader.releaseLock()
  }
  return text.slice(0, text.indexOf('\n'))
}

/** A free loopback TCP port (bind :0, read, release). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = probe.port
  probe.stop(true)
  return port
}

/** Polls `url` until it answers 200, at most `timeoutMs`. */
export async function waitFor200(url: string, timeoutMs: number, proc?: Subprocess): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) throw new Error(`process exited (${proc.exitCode ?? proc.signalCode}) before ${url} was ready`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
      await res.arrayBuffer()
      if (res.status === 200) return
      last = `HTTP ${res.status}`
    } catch (error) {
      last = String(error)
    }
    await Bun.sleep(100)
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`)
}

/** Reads a `Vm*` field (kB) from /proc/<pid>/status; undefined when unavailable (non-Linux, exited). */
export async function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | undefined> {
  try {
    const text = await Bun.file(`/proc/${pid}/status`).text()
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

/** Samples VmRSS of `pid` every `everyMs` until stopped; returns the peak seen (kB). */
export function rssSampler(pid: number, everyMs = 100): { stop(): Promise<number | undefined> } {
  let peak: number | undefined
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    procStatusKb(pid, 'VmRSS')
      .then((kb) => {
        if (kb !== undefined) peak = Math.max(peak ?? 0, kb)
      })
      .finally(() => (busy = false))
  }, everyMs)
  return {
    async stop() {
      clearInterval(timer)
      const kb = await procStatusKb(pid, 'VmRSS')
      if (kb !== undefined) peak = Math.max(peak ?? 0, kb)
      return peak
    },
  }
}

/** User+system CPU time of `pid` in milliseconds, from /proc/<pid>/stat (assumes USER_HZ = 100, as on every Linux build). */
/** CPU time (user + system, ms) of a whole process, or with `thread` of one of its threads (its main thread: pid). */
export async function procCpuMs(pid: number, thread?: number): Promise<number | undefined> {
  try {
    const stat = await Bun.file(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`).text()
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** CPU ms of a process split by thread: its main thread (the proxy), its JS worker threads (Bun names them "Worker": the
 *  metering worker, and a query worker once started) and all of them; undefined when /proc is unavailable. */
export async function procThreadsCpuMs(pid: number): Promise<{ total: number; main: number; workers: number } | undefined> {
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return undefined
  }
  let total = 0
  let main = 0
  let workers = 0
  for (const tid of tasks) {
    let stat: string
    try {
      stat = await Bun.file(`/proc/${pid}/task/${tid}/stat`).text()
    } catch {
      continue // the thread ended between the listing and the read
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ms = (Number(fields[11]) + Number(fields[12])) * 10
    total += ms
    if (Number(tid) === pid) main += ms
    else if (name.startsWith('Worker')) workers += ms
  }
  return { total, main, workers }
}

/** Samples VmRSS of `pid` every `everyMs` (for a long run); returns the whole series as [seconds since start, kB]. */
export function rssSeries(pid: number, everyMs = 1000): { stop(): Promise<Array<[number, number]>> } {
  const samples: Array<[number, number]> = []
  const started = performance.now()
  let busy = false
  const sample = () => {
    if (busy) return
    busy = true
    const at = (performance.now() - started) / 1000
    procStatusKb(pid, 'VmRSS')
      .then((kb) => {
        if (kb !== undefined) samples.push([at, kb])
      })
      .finally(() => (busy = false))
  }
  sample()
  const timer = setInterval(sample, everyMs)
  return {
    async stop() {
      clearInterval(timer)
      const kb = await procStatusKb(pid, 'VmRSS')
      if (kb !== undefined) samples.push([(performance.now() - started) / 1000, kb])
      return samples
    },
  }
}

/**
 * Waits until the given processes are quiet: at most `maxCpuMs` of CPU between them over one `windowMs` window (so
 * deferred work from the previous slice, such as a metering backlog or GC, neither leaks into the next target's
 * slice nor escapes the CPU accounting of its own). Gives up after `timeoutMs`; returns how long it waited.
 */
export async function waitQuiet(pids: number[], windowMs = 200, maxCpuMs = 10, timeoutMs = 3000): Promise<number> {
  const started = performance.now()
  const total = async () => {
    let sum = 0
    for (const pid of pids) sum += (await procCpuMs(pid)) ?? 0
    return sum
  }
  let before = await total()
  for (let i = 0; i < Math.ceil(timeoutMs / windowMs); i++) {
    await Bun.sleep(windowMs)
    const after = await total()
    if (after - before <= maxCpuMs) break
    before = after
  }
  return performance.now() - started
}
