// Every built-in provider module is well-formed data: unique names, https bases, usable key locations and model rules.
import { expect, test } from 'bun:test'
import { BUILT_IN_PROVIDERS, indexProviders } from '../../src/providers/registry.ts'
import { ServiceError } from '../../src/errors/service-error.ts'
import { locateModel } from '../../src/proxy/locate-model.ts'

test('ids and aliases are unique and route-safe', () => {
  const index = indexProviders(BUILT_IN_PROVIDERS.map((spec) => ({ spec })))
  expect(index.size).toBeGreaterThanOrEqual(BUILT_IN_PROVIDERS.length)
  for (const name of ['openai', 'anthropic', 'dashscope', 'alibaba', 'byteplus', 'mulerouter', 'gemini', 'mistral', 'groq', 'deepseek', 'xai', 'together', 'fireworks', 'openrouter']) {
    expect(index.has(name)).toBe(true)
  }
  expect(() => indexProviders([{ spec: BUILT_IN_PROVIDERS[0]! }, { spec: BUILT_IN_PROVIDERS[0]! }])).toThrow('defined twice')
  // A configuration mistake, reported as one line by the CLI rather than a stack trace.
  let error: unknown
  try {
    indexProviders([{ spec: { ...BUILT_IN_PROVIDERS[0]!, id: 'admin' } }])
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(ServiceError)
  expect((error as ServiceError).code).toBe('invalid_config')
})

test('every provider declares an https base without a trailing slash, key locations and an upstream auth header', () => {
  for (const spec of BUILT_IN_PROVIDERS) {
    for (const base of [spec.baseUrl, ...Object.values(spec.regions ?? {})]) {
      expect(base).toMatch(/^https:\/\/[^/]+(\/.*[^/])?$/)
    }
    expect(spec.clientKey.length).toBeGreaterThan(0)
    expect(spec.upstreamAuth.header).toBe(spec.upstreamAuth.header.toLowerCase())
    for (const header of spec.dropHeaders ?? []) expect(header).toBe(header.toLowerCase())
  }
})

test('model location per provider: body, multipart, path, or none', () => {
  const byId = Object.fromEntries(BUILT_IN_PROVIDERS.map((spec) => [spec.id, spec]))
  const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o))
  expect(locateModel(byId.openai!, 'POST', '/v1/chat/completions', 'application/json', json({ model: 'gpt-4o' })).model).toBe('gpt-4o')
  expect(() => locateModel(byId.openai!, 'POST', '/v1/chat/completions', 'application/json', json({ messages: [] }))).toThrow()
  expect(locateModel(byId.openai!, 'GET', '/v1/models', '', undefined).model).toBeUndefined()
  expect(locateModel(byId.openai!, 'POST', '/v1/files', 'multipart/form-data; boundary=x', new TextEncoder().encode('--x\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--x--')).model).toBeUndefined()
  const form = new TextEncoder().encode('--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n\u0000\u0001\r\n--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b--\r\n')
  expect(locateModel(byId.openai!, 'POST', '/v1/audio/transcriptions', 'multipart/form-data; boundary=b', form).model).toBe('whisper-1')
  expect(locateModel(byId.gemini!, 'POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', 'application/json', json({})).model).toBe('gemini-2.5-flash')
  expect(locateModel(byId.mulerouter!, 'POST', '/vendors/alibaba/v1/wan2.6-t2v/generation', 'application/json', json({ prompt: 'x' })).model).toBe('wan2.6-t2v')
  // A task poll names the model in its path as well, so it is checked on GET too.
  expect(locateModel(byId.mulerouter!, 'GET', '/vendors/alibaba/v1/wan2.6-t2v/generation/123e4567', '', undefined).model).toBe('wan2.6-t2v')
  expect(locateModel(byId.mulerouter!, 'GET', '/vendors/openai/v1/models', '', undefined).model).toBeUndefined()
  expect(locateModel(byId.gemini!, 'GET', '/v1beta/models', '', undefined).model).toBeUndefined()
  expect(locateModel(byId.gemini!, 'GET', '/v1beta/models/gemini-2.5-flash', '', undefined).model).toBe('gemini-2.5-flash')
  expect(locateModel(byId.dashscope!, 'GET', '/api/v1/tasks/abc', '', undefined).model).toBeUndefined()
  expect(locateModel(byId.byteplus!, 'POST', '/api/v3/contents/generations/tasks', 'application/json', json({ model: 'seedance-1-5-pro-251215' })).model).toBe('seedance-1-5-pro-251215')
  // Endpoints not listed still have any model they name checked.
  expect(locateModel(byId.openai!, 'POST', '/v1/moderations', 'application/json', json({ model: 'omni-moderation-latest' })).model).toBe('omni-moderation-latest')
})
