// What a refused caller and the operator's log are told: the naming mistake behind a 403, and a missing credential by name.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { createLogger } from '../../src/log.ts'
import { modelNameHint } from '../../src/proxy/model-name-hint.ts'
import { caught } from '../support/caught.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

let upstream: FakeUpstream
let gw: TestGateway
const logLines: string[] = []

beforeAll(async () => {
  upstream = startFakeUpstream(fakeOpenAI)
  gw = await startTestGateway({
    upstreams: { openai: upstream.url, openrouter: upstream.url, anthropic: upstream.url },
    withoutCredential: ['anthropic'],
    log: createLogger('info', (line) => logLines.push(line)),
  })
})

afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

const client = (key: string, provider = 'openai') => new OpenAI({ apiKey: key, baseURL: `${gw.url}/${provider}/v1`, maxRetries: 0 })
const chat = (c: OpenAI, model: string) => c.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })

describe('a provider/model name on a native route', () => {
  test('"openai/gpt-4o-mini" on /openai/ with a key allowed openai/gpt-4o*: says to send the provider\'s own name', async () => {
    const { key } = await gw.createKey({ name: 'gpt-4o-family', models: ['openai/gpt-4o*'] })
    const error = await caught(chat(client(key), 'openai/gpt-4o-mini'))
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(error.message).toContain('may not use model "openai/gpt-4o-mini" on openai')
    expect(error.message).toContain('native routes such as /openai/… take the provider\'s own model name')
    expect(error.message).toContain('send "gpt-4o-mini"')
    // And the name it suggests goes through.
    expect((await chat(client(key), 'gpt-4o-mini')).object).toBe('chat.completion')
  })

  test('another provider\'s prefix: says where the key may use it', async () => {
    const { key } = await gw.createKey({ name: 'openai-only', models: ['openai/*'] })
    const error = await caught(chat(client(key, 'openrouter'), 'openai/gpt-4o'))
    expect(error.status).toBe(403)
    expect(error.message).toContain('it may use "gpt-4o" on openai, through /openai/…')
  })

  test('no hint when the key would not allow the name anywhere, or for a plain refused name', async () => {
    const { key } = await gw.createKey({ name: 'mini-only', models: ['openai/gpt-4o-mini'] })
    const prefixed = await caught(chat(client(key), 'openai/o3'))
    expect(prefixed.message).toBe('403 This gateway key may not use model "openai/o3" on openai.')
    const plain = await caught(chat(client(key), 'o3'))
    expect(plain.message).toBe('403 This gateway key may not use model "o3" on openai.')
  })
})

describe('modelNameHint', () => {
  const providers = new Map([
    ['openai', { spec: { id: 'openai' } }],
    ['openrouter', { spec: { id: 'openrouter' } }],
    ['claude', { spec: { id: 'anthropic' } }],
    ['anthropic', { spec: { id: 'anthropic' } }],
  ])
  const allows = (patterns: [string, RegExp][]) => (provider: string, model: string) => patterns.some(([p, m]) => p === provider && m.test(model))

  test('an OpenRouter vendor/model name the key allows under openrouter/ is never second-guessed', () => {
    // The key allows openrouter's anthropic/* but the request named openai/gpt-4o: openai/gpt-4o is not allowed as openai's either.
    expect(modelNameHint('openai/gpt-4o', 'openrouter', providers, allows([['openrouter', /^anthropic\//]]))).toBeUndefined()
  })

  test('the prefix resolves through aliases to the provider id, and an empty rest or leading slash gives nothing', () => {
    expect(modelNameHint('claude/claude-haiku-4-5', 'openai', providers, allows([['anthropic', /^claude/]]))).toContain('on anthropic, through /anthropic/…')
    expect(modelNameHint('openai/', 'openai', providers, () => true)).toBeUndefined()
    expect(modelNameHint('/gpt-4o', 'openai', providers, () => true)).toBeUndefined()
    expect(modelNameHint('nosuch/gpt-4o', 'openai', providers, () => true)).toBeUndefined()
  })
})

test('a missing credential is logged as such, once, with the request id', async () => {
  const response = await fetch(`${gw.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': gw.key, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 8, messages: [] }),
  })
  expect(response.status).toBe(503)
  const requestId = response.headers.get('x-sociaro-request-id')!
  const lines = logLines.filter((line) => line.includes(requestId))
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain('WARN  no credential configured for provider anthropic {')
  expect(lines[0]).not.toContain('upstream failure')
})
