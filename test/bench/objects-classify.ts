// Micro-benchmark: what object isolation adds to a request that names no object (classify the path, scan the body).
// Run: bun test/bench/objects-classify.ts
import { referencedObjectIds } from '../../src/objects/body-references.ts'
import { classifyObjectRequest } from '../../src/objects/object-routes.ts'

const messages = Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i} `.repeat(20) }))
const cases = {
  'chat, 40 messages': { model: 'gpt-4o-mini', messages },
  'chat with tool calls': { model: 'gpt-4o-mini', messages: [...messages, { role: 'tool', tool_call_id: 'call_1', content: 'ok' }] },
}
const headers = new Headers({ 'content-type': 'application/json' })
for (const [name, json] of Object.entries(cases)) {
  const body = new TextEncoder().encode(JSON.stringify(json))
  const parsed = JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>
  const rounds = 20_000
  for (let i = 0; i < 2_000; i++) referencedObjectIds({ body, json: parsed, contentType: 'application/json', contentEncoding: '' }, false)
  const started = Bun.nanoseconds()
  for (let i = 0; i < rounds; i++) {
    classifyObjectRequest('openai', { method: 'POST', path: '/v1/chat/completions', json: parsed, headers })
    referencedObjectIds({ body, json: parsed, contentType: 'application/json', contentEncoding: '' }, false)
  }
  const perCall = (Bun.nanoseconds() - started) / rounds / 1000
  const parse = Bun.nanoseconds()
  for (let i = 0; i < rounds; i++) JSON.parse(new TextDecoder().decode(body))
  const parseUs = (Bun.nanoseconds() - parse) / rounds / 1000
  console.log(`${name} (${body.byteLength} B): ${perCall.toFixed(2)} µs per request (the body's JSON.parse, for scale: ${parseUs.toFixed(2)} µs)`)
}
