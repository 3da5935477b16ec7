// Benchmark (`bun test/bench/model-token.ts`): the unified endpoint's top-level `model` scan and cut, per MiB, beside the JSON.parse every request gets anyway.
import { cutThroughFirstSlash, findTopLevelString } from '../../src/wire/model-token.ts'

const MiB = 1024 * 1024
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Bodies a unified request may carry: many short chat messages (strings with escapes), and one long base64 image. */
const BODIES: Record<string, () => string> = {
  'many messages': () =>
    JSON.stringify({
      model: 'openai/gpt-4o',
      messages: Array.from({ length: 15_000 }, (_, i) => ({ role: 'user', content: `message ${i}: ünïcode, "quotes", \\ and a\ttab` })),
    }),
  'one base64 image': () =>
    JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${'iVBORw0KGgo'.repeat(900_000)}` } }] }] }),
}

function msPer(run: () => void, rounds: number): number {
  run()
  const started = performance.now()
  for (let i = 0; i < rounds; i++) run()
  return (performance.now() - started) / rounds
}

for (const [name, make] of Object.entries(BODIES)) {
  const body = encoder.encode(make())
  const scan = msPer(() => {
    const found = findTopLevelString(body, 'model')
    if (!found.ok || !cutThroughFirstSlash(body, found)) throw new Error('the body should name a provider/model')
  }, 20)
  const parse = msPer(() => JSON.parse(decoder.decode(body)), 20)
  const mib = body.byteLength / MiB
  console.log(`${name.padEnd(18)} ${mib.toFixed(1)} MiB: scan+cut ${(scan / mib).toFixed(2)} ms/MiB, JSON.parse ${(parse / mib).toFixed(2)} ms/MiB`)
}
