// Which models a request names, per provider rule: nested JSON, unknowable runs, batch input files, name limits.
import { describe, expect, test } from 'bun:test'
import { compileAllowlist } from '../../src/auth/model-allowlist.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import { buildUsageRecord } from '../../src/metering/worker/usage-record.ts'
import type { MeterJob } from '../../src/metering/protocol/meter-job.ts'
import { ModelLabels, MAX_MODEL_LABELS, OTHER_MODEL_LABEL } from '../../src/metrics/gateway-metrics.ts'
import { BUILT_IN_PROVIDERS } from '../../src/providers/registry.ts'
import { locateModel } from '../../src/proxy/locate-model.ts'

const spec = (id: string) => BUILT_IN_PROVIDERS.find((p) => p.id === id)!
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
const post = (provider: string, path: string, body: unknown) => locateModel(spec(provider), 'POST', path, 'application/json', json(body))
const unreadable = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).status).toBe(400)
    return (error as GatewayError).message
  }
  throw new Error('expected a 400')
}

describe('nested models', () => {
  test('Gemini inline batch requests name models as "models/…"; the prefix is stripped, both JSON spellings read', () => {
    const facts = post('gemini', '/v1beta/models/gemini-2.5-flash:batchGenerateContent', {
      batch: { input_config: { requests: { requests: [{ request: { model: 'models/gemini-2.5-pro', contents: [] } }, { request: { contents: [] } }] } } },
    })
    expect(facts.model).toBe('gemini-2.5-flash')
    expect(facts.models).toEqual(['gemini-2.5-flash', 'gemini-2.5-pro'])
    expect(facts.unknowable).toBeUndefined()
    const fromFile = post('gemini', '/v1beta/models/gemini-2.5-flash:batchGenerateContent', { batch: { inputConfig: { fileName: 'files/abc' } } })
    expect(fromFile.unknowable).toContain('batch input file')
    // Any model action is a path model now, not only the listed ones.
    expect(post('gemini', '/v1beta/models/gemini-2.5-pro:asyncBatchEmbedContent', {}).model).toBe('gemini-2.5-pro')
    expect(post('gemini', '/v1beta/cachedContents', { model: 'models/gemini-2.5-flash' }).model).toBe('gemini-2.5-flash')
  })

  test('a nested path with the wrong shape, or a non-JSON body on a rule that reads JSON, is unreadable', () => {
    expect(unreadable(() => post('anthropic', '/v1/messages/batches', { requests: { a: 1 } }))).toContain('requests must be an array')
    expect(unreadable(() => post('openrouter', '/api/v1/chat/completions', { model: 'a', models: ['b', 7] }))).toContain('models[1]')
    expect(unreadable(() => locateModel(spec('anthropic'), 'POST', '/v1/messages/batches', 'application/json', new TextEncoder().encode('[1]')))).toContain('JSON object')
  })

  test('unknowable endpoints, and endpoints that run a stored model unless the body names one', () => {
    expect(post('openai', '/v1/batches', { input_file_id: 'f' }).unknowable).toContain('input file')
    expect(post('openai', '/v1/threads/t/runs', { assistant_id: 'a' }).unknowable).toContain('assistant')
    expect(post('openai', '/v1/threads/t/runs', { assistant_id: 'a', model: 'gpt-4o' }).unknowable).toBeUndefined()
    expect(post('openai', '/v1/responses', { model: null, prompt: { id: 'p' } }).unknowable).toContain('prompt')
    expect(post('openai', '/v1/fine_tuning/jobs', { model: 'gpt-4o', method: { type: 'reinforcement', reinforcement: { grader: {} } } }).unknowable).toContain('grader')
    expect(post('anthropic', '/v1/sessions', { agent: 'agent_1' }).unknowable).toContain('agent')
    expect(post('dashscope', '/api/v1/apps/app1/completion', { input: {} }).unknowable).toContain('application')
    expect(post('mistral', '/v1/agents/completions', { agent_id: 'ag' }).unknowable).toContain('agent')
    expect(post('mistral', '/v1/conversations', { agent_id: 'ag', inputs: 'x' }).unknowable).toContain('agent')
    for (const provider of ['groq', 'together', 'xai', 'fireworks', 'deepseek']) expect(post(provider, '/v1/batches', {}).unknowable).toBeDefined()
    expect(post('mistral', '/v1/batch/jobs', { model: 'mistral-small' }).unknowable).toBeDefined()
    expect(post('mulerouter', '/vendors/anthropic/v1/messages/batches', { requests: [{ params: { model: 'claude-opus-4-1' } }] }).models).toEqual(['claude-opus-4-1'])
  })

  test('a JSON body behind a byte order mark is still read', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...json({ model: 'o1-pro' })])
    expect(locateModel(spec('openai'), 'POST', '/v1/moderations', 'application/json', bytes).model).toBe('o1-pro')
  })
})

describe('batch input uploads', () => {
  const upload = (file: string, purpose = 'batch') => {
    const body =
      `--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n` +
      `--b\r\nContent-Disposition: form-data; name="file"; filename="in.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n${file}\r\n--b--\r\n`
    return locateModel(spec('openai'), 'POST', '/v1/files', 'multipart/form-data; boundary=b', new TextEncoder().encode(body))
  }
  const line = (model: string) => JSON.stringify({ custom_id: model, method: 'POST', url: '/v1/chat/completions', body: { model } })

  test('the distinct models of every line, CRLF and blank lines tolerated', () => {
    const facts = upload(`${line('gpt-4o')}\r\n\r\n${line('o1-pro')}\n${line('gpt-4o')}\n`)
    expect(facts.models).toEqual(['gpt-4o', 'o1-pro'])
    expect(facts.batchInputModels).toEqual(['gpt-4o', 'o1-pro'])
    expect(facts.model).toBeUndefined()
  })

  test('an unreadable line makes the file unknowable; a too long model is a 400; other purposes are not read', () => {
    expect(upload(`${line('gpt-4o')}\nnot json\n`).unknowable).toContain('line 2')
    expect(upload(`${line('gpt-4o')}\n{"body": {"model": 5}}`).unknowable).toContain('line 2')
    expect(unreadable(() => upload(line('x'.repeat(300))))).toContain('256 bytes')
    expect(upload('not json', 'assistants').models).toEqual([])
    const twoPurposes = `--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nuser_data\r\n--b--`
    expect(unreadable(() => locateModel(spec('openai'), 'POST', '/v1/files', 'multipart/form-data; boundary=b', new TextEncoder().encode(twoPurposes)))).toContain('"purpose"')
  })
})

describe('model names', () => {
  test('over 256 bytes, empty or with control characters: 400', () => {
    expect(post('openai', '/v1/chat/completions', { model: 'a'.repeat(256) }).model).toHaveLength(256)
    expect(unreadable(() => post('openai', '/v1/chat/completions', { model: 'a'.repeat(257) }))).toContain('256 bytes')
    expect(unreadable(() => post('openai', '/v1/chat/completions', { model: '   ' }))).toContain('empty')
    expect(unreadable(() => post('openai', '/v1/chat/completions', { model: 'gpt-4o\u0000o1-pro' }))).toContain('control')
    expect(unreadable(() => locateModel(spec('gemini'), 'POST', `/v1beta/models/${'g'.repeat(257)}:generateContent`, 'application/json', json({})))).toContain('256')
  })
})

describe('allowlists and unknowable runs', () => {
  test('only a key allowed every model of the provider may run what the gateway cannot see', () => {
    expect(compileAllowlist(['*']).anyModelOn('openai')).toBe(true)
    expect(compileAllowlist(['openai/*', 'anthropic/claude-*']).anyModelOn('openai')).toBe(true)
    expect(compileAllowlist(['openai/*', 'anthropic/claude-*']).anyModelOn('anthropic')).toBe(false)
    expect(compileAllowlist(['gpt-4o*']).anyModelOn('openai')).toBe(false)
    expect(compileAllowlist(['open*/*']).anyModelOn('openrouter')).toBe(true)
  })
})

describe('bounded model values after the request', () => {
  test('metric model labels: the first MAX_MODEL_LABELS distinct names, then "other"', () => {
    const labels = new ModelLabels()
    for (let i = 0; i < MAX_MODEL_LABELS; i++) expect(labels.label(`m${i}`)).toBe(`m${i}`)
    expect(labels.label('one-too-many')).toBe(OTHER_MODEL_LABEL)
    expect(labels.label('m0')).toBe('m0')
    expect(labels.label(null)).toBe('')
  })

  test('a model the response reports beyond 256 bytes is not stored', () => {
    const body = new TextEncoder().encode(JSON.stringify({ model: 'z'.repeat(10_000), usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }))
    const job: MeterJob = {
      requestId: 'req_1', startedAt: Date.now(), orgId: 'o', keyId: 'k', provider: 'openai', model: null,
      endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: false, contentType: 'application/json', contentEncoding: '',
      truncated: false, ttfbMs: 1, durationMs: 2, endedBy: 'complete', user: null, tags: null, body, requestBody: null,
    }
    const record = buildUsageRecord(job, { bytes: body, truncated: false, detail: null }, [], () => { throw new Error('no estimate expected') })
    expect(record.model).toBeNull()
    expect(record.rawUsage ?? '').not.toContain('zzzz')
  })
})
