// Benchmark (`bun test/bench/json-budget.ts`): event-loop ms per MiB of JSON body before (JSON.parse of whatever came) and after (the budget scan, then the parse only within budget), for hostile shapes and real large bodies; the nodes and values real bodies reach.
import { batchBudget, REQUEST_BUDGET, withinJsonBudget } from '../../src/wire/json-budget.ts'
import { findTopLevelString } from '../../src/wire/model-token.ts'
import { batchFile, chatWith, hostileValues, imageChat, largeChat, tokenEmbedding } from '../support/hostile-json.ts'

const MiB = 1024 * 1024
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const RUNS = Number(process.env.RUNS ?? 7)

/** Median wall time of `run` (GC included: the event loop pays it too), in ms. */
function median(run: () => void): number {
  Bun.gc(true)
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    run()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

/** What the old code paid: JSON.parse of the whole body (native routes: locateModel; unified: the walk, then the parse). */
const before = (bytes: Uint8Array) => () => {
  try {
    JSON.parse(decoder.decode(bytes))
  } catch {}
}

/** What the new native path pays: the count, then the parse only within budget. */
const after = (bytes: Uint8Array) => () => {
  if (withinJsonBudget(bytes)) JSON.parse(decoder.decode(bytes))
}

/** What the new unified path pays: one walk (counting), then the parse only within budget. */
const unified = (bytes: Uint8Array) => () => {
  findTopLevelString(bytes, 'model')
}

/** Counts of a body (for the table of real bodies): nodes = containers + strings, values = commas + containers. */
function counts(bytes: Uint8Array): { nodes: number; values: number } {
  let lo = 0
  let hi = 1 << 26
  // The smallest node budget (names weighted) the body fits (binary search over withinJsonBudget; values likewise).
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (withinJsonBudget(bytes, { nodes: mid, values: 1 << 30, depth: 1 << 20 })) hi = mid
    else lo = mid + 1
  }
  const nodes = lo
  lo = 0
  hi = 1 << 30
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    if (withinJsonBudget(bytes, { nodes: 1 << 30, values: mid, depth: 1 << 20 })) hi = mid
    else lo = mid + 1
  }
  return { nodes, values: lo }
}

const row = (cells: (string | number)[]) => console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 34 : 14)).join(''))
const ms = (value: number) => value.toFixed(2)

console.log(`budget: ${REQUEST_BUDGET.nodes} nodes, ${REQUEST_BUDGET.values} values, depth ${REQUEST_BUDGET.depth}; runs ${RUNS} (median)\n`)
console.log('Hostile bodies (a chat with the shape as one member): event-loop ms per MiB sent')
row(['shape', 'MiB', 'before ms/MiB', 'native after', 'unified after', 'refused'])
for (const size of [1, 8]) {
  for (const [name, value] of Object.entries(hostileValues(size * MiB))) {
    const bytes = encoder.encode(chatWith('gpt-4o-mini', value))
    const mib = bytes.byteLength / MiB
    const unifiedBytes = encoder.encode(chatWith('openai/gpt-4o-mini', value))
    const refused = !withinJsonBudget(bytes)
    row([name, mib.toFixed(1), ms(median(before(bytes)) / mib), ms(median(after(bytes)) / mib), ms(median(unified(unifiedBytes)) / mib), refused ? 'yes' : 'no'])
  }
}

console.log('\nReal bodies: their counts, and ms per MiB of the parse alone (before) and scan + parse (after)')
row(['body', 'MiB', 'nodes', 'values', 'before ms/MiB', 'after ms/MiB', 'unified ms/MiB'])
const real: Record<string, string> = {
  'chat, 10k messages': largeChat('openai/gpt-4o-mini', 10_000),
  'chat, 2k messages of 8 KiB': largeChat('openai/gpt-4o-mini', 2_000, 8192),
  'chat, 24 MiB base64 image': imageChat('openai/gpt-4o-mini', 24 * MiB),
  'embedding, 2048 x 146 token ids (300k)': tokenEmbedding('openai/text-embedding-3-small', 2048, 146),
  'embedding, 2048 strings': JSON.stringify({ model: 'openai/text-embedding-3-small', input: Array.from({ length: 2048 }, (_, i) => `sentence ${i} `.repeat(40)) }),
}
for (const [name, text] of Object.entries(real)) {
  const bytes = encoder.encode(text)
  const mib = bytes.byteLength / MiB
  const c = counts(bytes)
  if (!withinJsonBudget(bytes)) throw new Error(`${name} should be within the budget`)
  row([name, mib.toFixed(1), c.nodes, c.values, ms(median(before(bytes)) / mib), ms(median(after(bytes)) / mib), ms(median(unified(bytes)) / mib)])
}

console.log('\nBatch input files (JSONL): counts per MiB against the per-MiB cap, and the pre-scan cost')
const file = encoder.encode(batchFile('gpt-4o-mini', 40_000))
const fileMib = file.byteLength / MiB
const fc = counts(file)
row(['40k-line chat batch', fileMib.toFixed(1), `${Math.round(fc.nodes / fileMib)} nodes/MiB`, `${Math.round(fc.values / fileMib)} values/MiB`, `scan ${ms(median(() => withinJsonBudget(file, batchBudget(file.byteLength))) / fileMib)} ms/MiB`])
const lines = decoder.decode(file).split('\n').filter(Boolean)
row(['', '', '', '', `parse ${ms(median(() => lines.forEach((l) => JSON.parse(l))) / fileMib)} ms/MiB`])
const hostileFile = encoder.encode(Array.from({ length: 8 }, () => chatWith('gpt-4o-mini', hostileValues(MiB)['empty arrays']!)).join('\n'))
const hMib = hostileFile.byteLength / MiB
row(['8 MiB file of [[],[],…] lines', hMib.toFixed(1), '', '', `before ${ms(median(() => decoder.decode(hostileFile).split('\n').forEach((l) => JSON.parse(l))) / hMib)} ms/MiB`, `after ${ms(median(() => withinJsonBudget(hostileFile, batchBudget(hostileFile.byteLength))) / hMib)} ms/MiB`])

console.log('\nOff the request path: the metering worker (window: whole up to 4 MiB, else 512 KiB head + 2 MiB tail) and the admin/dashboard bodies (1 MiB / 64 KiB caps, parsed by Elysia)')
const { extractOpenAI } = await import('../../src/providers/dialects/openai/usage.ts')
const { lastObjectAfterKey } = await import('../../src/wire/body.ts')
const worstWhole = encoder.encode(hostileValues(4 * MiB - 64)['empty arrays']!)
row(['worker: 4 MiB [[],…] answer, whole', (worstWhole.byteLength / MiB).toFixed(1), '', '', `${ms(median(() => extractOpenAI({ path: '/v1/chat/completions', contentType: 'application/json', body: worstWhole })))} ms/job`])
const worstKeys = encoder.encode(hostileValues(4 * MiB - 64)['distinct keys']!)
row(['worker: 4 MiB distinct keys, whole', (worstKeys.byteLength / MiB).toFixed(1), '', '', `${ms(median(() => extractOpenAI({ path: '/v1/chat/completions', contentType: 'application/json', body: worstKeys })))} ms/job`])
const tail = '"usage":{"a":"'.repeat(Math.floor((2 * MiB) / 14))
row(['worker: 2 MiB tail of "usage":{ tries', (tail.length / MiB).toFixed(1), '', '', `${ms(median(() => lastObjectAfterKey(tail, 'usage')))} ms/job (was quadratic: 550 KiB took 48 s)`])
for (const [label, size] of [['admin body, 1 MiB', MiB], ['dashboard body, 64 KiB', 64 * 1024]] as const) {
  let worst = 0
  let worstName = ''
  for (const [name, value] of Object.entries(hostileValues(size - 64))) {
    const text = `{"name":"x","v":${value}}`
    const t = median(() => JSON.parse(text))
    if (t > worst) [worst, worstName] = [t, name]
  }
  row([`${label}: worst JSON.parse`, '', '', '', `${ms(worst)} ms (${worstName})`])
}
