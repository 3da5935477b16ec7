// Proxy-thread CPU per request spent on the usage spool (framing, CRC-32, the write into the page cache), by batch size and body size.
// Run: bun test/bench/spool-append.ts   (prints a table; nothing is asserted)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/log.ts'
import { UsageSpool } from '../../src/metering/proxy/usage-spool.ts'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-spool-bench-'))
/** One job's facts as the channel serialises them (about 400 bytes of JSON). */
const FACTS = {
  requestId: 'req_0123456789abcdef0123', startedAt: Date.now(), orgId: 'org_0123456789abcdef', keyId: 'key_0123456789abcdef', provider: 'openai',
  model: 'gpt-4o-mini', endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: false, contentType: 'application/json',
  contentEncoding: '', truncated: false, ttfbMs: 12, durationMs: 40, endedBy: 'complete', user: null, tags: null, bodyOffset: 0, bodyLength: 0,
  requestOffset: -1, requestLength: 0,
}

async function measure(jobsPerBatch: number, bodyBytes: number, batches: number) {
  const path = join(dir, `bench-${jobsPerBatch}-${bodyBytes}.spool`)
  const spool = UsageSpool.acquire({ path, maxBytes: 64 * 1024 * 1024 * 1024, fsync: false }, silentLogger)!
  spool.start()
  const jobs = JSON.stringify(Array.from({ length: jobsPerBatch }, () => FACTS))
  const bytes = new Uint8Array(jobsPerBatch * bodyBytes).fill(97)
  let seq = 0
  // What runs on the proxy thread: the whole append (the write is synchronous, into the page cache, with fsync off).
  let syncMs = 0
  const writes: (Promise<void> | undefined)[] = []
  const cpuStart = process.cpuUsage()
  const wallStart = performance.now()
  for (let i = 0; i < batches; i++) {
    const t = performance.now()
    writes.push(spool.append(++seq, jobs, bytes, jobsPerBatch))
    syncMs += performance.now() - t
    // Settled at once, as a keeping-up worker would: the file is emptied between writes, as in steady state.
    if (i % 8 === 7) {
      await Promise.all(writes.splice(0))
      for (let s = seq - 7; s <= seq; s++) spool.settle(s, jobsPerBatch)
    }
  }
  await Promise.all(writes)
  const wallMs = performance.now() - wallStart
  const cpu = process.cpuUsage(cpuStart)
  spool.close(true)
  const requests = batches * jobsPerBatch
  return {
    jobsPerBatch,
    bodyBytes,
    proxyThreadUsPerRequest: ((syncMs * 1000) / requests).toFixed(2),
    processCpuUsPerRequest: ((cpu.user + cpu.system) / requests).toFixed(2),
    wallUsPerRequest: ((wallMs * 1000) / requests).toFixed(2),
  }
}

const rows = []
for (const [jobsPerBatch, bodyBytes, batches] of [
  [1, 700, 5000],
  [5, 700, 2000],
  [32, 700, 500],
  [256, 700, 100],
  [5, 16 * 1024, 1000],
  [5, 256 * 1024, 100],
] as const) {
  await measure(jobsPerBatch, bodyBytes, Math.ceil(batches / 10)) // warm-up
  rows.push(await measure(jobsPerBatch, bodyBytes, batches))
}
console.table(rows)
rmSync(dir, { recursive: true, force: true })
