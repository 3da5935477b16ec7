// Benchmark (`bun test/bench/model-token.ts [base checkout]`): a unified body's read per MiB (model span, duplicates, depth, parse) against a base checkout's scan + JSON.parse, and each part alone.
import { resolve } from 'node:path'
import { cutThroughFirstSlash, findTopLevelString, topLevelLayout } from '../../src/wire/model-token.ts'

const MiB = 1024 * 1024
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Bodies a unified request may carry: many short chat messages (strings with escapes), one long base64 image, a long token array. */
const BODIES: Record<string, () => string> = {
  'many messages': () =>
    JSON.stringify({
      model: 'openai/gpt-4o',
      messages: Array.from({ length: 15_000 }, (_, i) => ({ role: 'user', content: `message ${i}: ünïcode, "quotes", \\ and a\ttab` })),
    }),
  'one base64 image': () =>
    JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${'iVBORw0KGgo'.repeat(900_000)}` } }] }] }),
  'token array': () => JSON.stringify({ model: 'openai/text-embedding-3-small', input: Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 100_000) }),
}

type Scan = (body: Uint8Array, name: string) => { ok: boolean }

/**
 * What a unified request's body costs before it is forwarded, in this checkout: the one read (walk and parse) and
 * the cut. In the base checkout, when given: its scan and cut, then the JSON.parse locateModel made of the edited body.
 */
const current = (body: Uint8Array) => {
  const found = findTopLevelString(body, 'model')
  if (!found.ok || !cutThroughFirstSlash(body, found)) throw new Error('the body should name a provider/model')
}

async function baseRead(root: string): Promise<(body: Uint8Array) => void> {
  const base = (await import(resolve(root, 'src/wire/model-token.ts'))) as { findTopLevelString: Scan; cutThroughFirstSlash: (body: Uint8Array, found: unknown) => Uint8Array | undefined }
  return (body) => {
    const found = base.findTopLevelString(body, 'model')
    const edited = found.ok ? base.cutThroughFirstSlash(body, found) : undefined
    if (!edited) throw new Error('the body should name a provider/model')
    JSON.parse(decoder.decode(edited))
  }
}

/**
 * Blocks of ten runs of one kind alternate with the others', so that load from other processes falls on all alike
 * while each mostly collects its own garbage. Timed in CPU time of this process (every thread: the collector's work
 * counts), which other processes on a shared machine inflate less than wall time; the median per MiB.
 */
function medians(runs: Record<string, (body: Uint8Array) => void>, body: Uint8Array, blocks: number, perBlock = 10): Record<string, number> {
  const times: Record<string, number[]> = {}
  const entries = Object.entries(runs)
  for (const [name, run] of entries) {
    for (let warm = 0; warm < 3; warm++) run(body)
    times[name] = []
  }
  for (let block = 0; block < blocks; block++) {
    for (const [name, run] of entries) {
      // A block is timed whole: CPU time is counted in scheduler ticks, too coarse for one run.
      const started = process.cpuUsage()
      for (let i = 0; i < perBlock; i++) run(body)
      const used = process.cpuUsage(started)
      times[name]!.push((used.user + used.system) / 1000 / perBlock)
    }
  }
  const mib = body.byteLength / MiB
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, list.sort((a, b) => a - b)[list.length >> 1]! / mib]))
}

const root = process.argv[2]
const runs: Record<string, (body: Uint8Array) => void> = { 'this checkout': current }
const base = root ? await import(resolve(root, 'src/wire/model-token.ts')) as { findTopLevelString: Scan } : undefined
if (root) runs[`base ${root}`] = await baseRead(root)
runs['JSON.parse alone'] = (body) => JSON.parse(decoder.decode(body))
// What each adds to the parse, measured alone: this checkout's structural walk, the base's validating scan.
runs['walk alone'] = (body) => {
  if (!topLevelLayout(body, 'model')?.found) throw new Error('the walk should find the model')
}
if (base) {
  runs['base scan alone'] = (body) => {
    if (!base.findTopLevelString(body, 'model').ok) throw new Error('the scan should find the model')
  }
}
for (const [name, make] of Object.entries(BODIES)) {
  const body = encoder.encode(make())
  const result = medians(runs, body, 9)
  console.log(`${name.padEnd(17)} ${(body.byteLength / MiB).toFixed(1)} MiB, CPU ms/MiB: ${Object.entries(result).map(([run, ms]) => `${run} ${ms.toFixed(2)}`).join(', ')}`)
}
