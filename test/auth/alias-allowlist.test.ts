// An allowlist may name a provider by an alias ("google/*"): it matches that provider's requests on every route.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { compileAllowlist } from '../../src/auth/model-allowlist.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeGemini } from '../support/provider-fakes.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'

test('an alias in a pattern is read as the provider id; globs and model-only patterns are left alone', () => {
  const canonical = (name: string) => ({ google: 'gemini', gemini: 'gemini' })[name]
  const allows = compileAllowlist(['google/gemini-2.5-*', 'gpt-4o'], canonical)
  expect(allows('gemini', 'gemini-2.5-flash')).toBe(true)
  expect(allows('gemini', 'gemini-1.5-pro')).toBe(false)
  expect(allows('openai', 'gpt-4o')).toBe(true)
  expect(compileAllowlist(['google/*'], canonical).anyModelOn('gemini')).toBe(true)
  expect(compileAllowlist(['goo*/*'], canonical).anyModelOn('gemini')).toBe(false)
  // Without the lookup the alias names nothing (what every key did before).
  expect(compileAllowlist(['google/*'])('gemini', 'gemini-2.5-flash')).toBe(false)
})

let upstream: FakeUpstream
let t: TestCore

beforeAll(async () => {
  upstream = startFakeUpstream(fakeGemini)
  t = await coreFor({ providers: { gemini: upstream.url }, keys: [{ name: 'aliased', models: ['google/gemini-2.5-*'] }] })
})

afterAll(async () => {
  await t.stop()
  upstream.stop()
})

test('a key allowed "google/gemini-2.5-*" reaches Gemini through /google and /gemini, and is refused other models', async () => {
  const call = (prefix: string, model: string) =>
    t.fetch(`/${prefix}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': t.keys[0]!.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    })
  expect((await call('google', 'gemini-2.5-flash')).status).toBe(200)
  expect((await call('gemini', 'gemini-2.5-flash')).status).toBe(200)
  const refused = await call('google', 'gemini-1.5-pro')
  expect(refused.status).toBe(403)
  expect(upstream.requests.map((r) => r.path)).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent', '/v1beta/models/gemini-2.5-flash:generateContent'])
})
