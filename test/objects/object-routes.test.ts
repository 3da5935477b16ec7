// The pure parts of object isolation: which object a request names, creates or lists; ids inside bodies; created ids.
import { describe, expect, test } from 'bun:test'
import { referencedObjectIds } from '../../src/objects/body-references.ts'
import { answeredObject } from '../../src/objects/created-object.ts'
import { pagingOf, renderList } from '../../src/objects/list-shapes.ts'
import { classifyObjectRequest, type ObjectRoute } from '../../src/objects/object-routes.ts'

const classify = (provider: string, method: string, path: string, json?: Record<string, unknown>, headers: Record<string, string> = {}): ObjectRoute =>
  classifyObjectRequest(provider, { method, path, json, headers: new Headers(headers) })

describe('classifier', () => {
  test('model calls name no object; stored ones create one', () => {
    expect(classify('openai', 'POST', '/v1/chat/completions', { model: 'x' })).toEqual({ type: 'model' })
    expect(classify('openai', 'POST', '/v1/chat/completions', { model: 'x', store: true })).toMatchObject({ type: 'create', creates: { kind: 'chat_completion' } })
    expect(classify('openai', 'POST', '/v1/responses', { model: 'x' })).toMatchObject({ type: 'create', creates: { kind: 'response' } })
    expect(classify('openai', 'POST', '/v1/responses', { model: 'x', store: false })).toEqual({ type: 'model' })
    expect(classify('openai', 'GET', '/v1/models')).toEqual({ type: 'model' })
    expect(classify('anthropic', 'POST', '/v1/messages')).toEqual({ type: 'model' })
    expect(classify('gemini', 'POST', '/v1beta/models/gemini-2.5-flash:generateContent')).toEqual({ type: 'model' })
    expect(classify('groq', 'POST', '/openai/v1/chat/completions')).toEqual({ type: 'model' })
    expect(classify('dashscope', 'POST', '/api/v1/services/aigc/text-generation/generation')).toEqual({ type: 'model' })
  })

  test('object endpoints of every provider', () => {
    expect(classify('openai', 'GET', '/v1/files/file-1/content')).toMatchObject({ type: 'access', id: 'file-1', kind: 'file', deletes: false, refreshes: false })
    expect(classify('openai', 'DELETE', '/v1/files/file-1')).toMatchObject({ type: 'access', id: 'file-1', deletes: true })
    expect(classify('openai', 'POST', '/v1/batches/batch_1/cancel')).toMatchObject({ type: 'access', id: 'batch_1', refreshes: true })
    expect(classify('openai', 'POST', '/v1/vector_stores/vs_1/files', { file_id: 'file-2' })).toMatchObject({ type: 'access', id: 'vs_1', kind: 'vector_store' })
    expect(classify('openai', 'POST', '/v1/uploads/upload_1/complete')).toMatchObject({ type: 'access', id: 'upload_1', creates: { kind: 'file', id: ['file', 'id'] } })
    expect(classify('openai', 'POST', '/v1/threads/runs')).toMatchObject({ type: 'create', creates: { kind: 'thread', id: ['thread_id'] } })
    expect(classify('openai', 'GET', '/v1/threads/thread_1/runs/run_1')).toMatchObject({ type: 'access', id: 'thread_1', kind: 'thread' })
    expect(classify('openai', 'GET', '/v1/files/file%2D1')).toMatchObject({ id: 'file-1' })
    expect(classify('anthropic', 'GET', '/v1/messages/batches/msgbatch_1/results')).toMatchObject({ type: 'access', id: 'msgbatch_1', refreshes: false })
    expect(classify('gemini', 'GET', '/v1beta/files/abc')).toMatchObject({ type: 'access', id: 'files/abc', answeredIn: { id: ['name'] } })
    expect(classify('gemini', 'POST', '/v1beta/batches/123:cancel')).toMatchObject({ type: 'access', id: 'batches/123' })
    expect(classify('gemini', 'GET', '/v1beta/models/veo-3/operations/op1')).toMatchObject({ type: 'access', id: 'models/veo-3/operations/op1' })
    expect(classify('gemini', 'POST', '/v1beta/models/gemini-2.5-flash:batchGenerateContent')).toMatchObject({ type: 'create', creates: { kind: 'batch', id: ['name'] } })
    expect(classify('dashscope', 'POST', '/api/v1/services/aigc/video-generation/video-synthesis', {}, { 'x-dashscope-async': 'enable' })).toMatchObject({
      type: 'create',
      creates: { kind: 'task', id: ['output', 'task_id'] },
    })
    expect(classify('dashscope', 'GET', '/api/v1/tasks/t-1')).toMatchObject({ type: 'access', id: 't-1', answeredIn: { id: ['output', 'task_id'] } })
    expect(classify('dashscope', 'GET', '/compatible-mode/v1/batches/b1')).toMatchObject({ type: 'access', id: 'b1', kind: 'batch' })
    expect(classify('byteplus', 'DELETE', '/api/v3/contents/generations/tasks/cgt-1')).toMatchObject({ type: 'access', id: 'cgt-1', deletes: true })
    expect(classify('mulerouter', 'POST', '/vendors/alibaba/v1/wan2.6-t2v/generation')).toMatchObject({ type: 'create', creates: { id: ['task_info', 'id'] } })
    expect(classify('mulerouter', 'GET', '/vendors/alibaba/v1/wan2.6-t2v/generation/123e4567')).toMatchObject({ type: 'access', id: '123e4567', kind: 'task' })
    expect(classify('mulerouter', 'POST', '/vendors/openai/v1/chat/completions')).toEqual({ type: 'model' })
  })

  test('listings, each in its provider shape', () => {
    expect(classify('openai', 'GET', '/v1/files')).toEqual({ type: 'list', kind: 'file', shape: 'openai' })
    expect(classify('openai', 'GET', '/v1/chat/completions')).toEqual({ type: 'list', kind: 'chat_completion', shape: 'openai' })
    expect(classify('anthropic', 'GET', '/v1/messages/batches')).toEqual({ type: 'list', kind: 'message_batch', shape: 'anthropic' })
    expect(classify('gemini', 'GET', '/v1beta/files')).toEqual({ type: 'list', kind: 'file', shape: 'gemini' })
    expect(classify('byteplus', 'GET', '/api/v3/contents/generations/tasks')).toEqual({ type: 'list', kind: 'task', shape: 'byteplus' })
    expect(classify('dashscope', 'GET', '/api/v1/tasks')).toEqual({ type: 'list', kind: 'task', shape: 'dashscope' })
  })

  test('anything else is unknown, including near misses of known paths', () => {
    for (const [provider, method, path] of [
      ['openai', 'GET', '/v1/evals'],
      ['openai', 'GET', '/v1/files/file-1/'],
      ['openai', 'GET', '/v1/FILES/file-1'],
      ['openai', 'DELETE', '/v1/models/ft:gpt-4o:acme::1'],
      ['openai', 'GET', '/v2/files/file-1'],
      ['anthropic', 'GET', '/v1/skills'],
      ['byteplus', 'GET', '/api/v3/batch/jobs'],
      ['mistral', 'GET', '/v1/batch/jobs'],
      ['dashscope', 'GET', '/api/v1/uploads'],
    ] as const) {
      expect(classify(provider, method, path)).toEqual({ type: 'unknown' })
    }
  })
})

describe('ids named inside request bodies', () => {
  const facts = (text: string, json: Record<string, unknown> | undefined, contentType = 'application/json', contentEncoding = '') => ({
    body: new TextEncoder().encode(text),
    json,
    contentType,
    contentEncoding,
  })
  const refsOrNull = (json: Record<string, unknown>, gemini = false) => referencedObjectIds(facts(JSON.stringify(json), json), gemini)
  const refs = (json: Record<string, unknown>, gemini = false): string[] => refsOrNull(json, gemini) ?? ['(unreadable)']

  test('OpenAI and Anthropic fields, at any depth', () => {
    expect(refs({ input_file_id: 'file-1', endpoint: '/v1/chat/completions' })).toEqual(['file-1'])
    expect(refs({ model: 'x', previous_response_id: 'resp_1', conversation: { id: 'conv_1' } }).sort()).toEqual(['conv_1', 'resp_1'])
    expect(refs({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-2' } }] }] })).toEqual(['file-2'])
    expect(refs({ tools: [{ type: 'file_search', vector_store_ids: ['vs_1', 'vs_2'] }, { type: 'code_interpreter', container: { type: 'auto' } }] }).sort()).toEqual(['vs_1', 'vs_2'])
    expect(refs({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: 'file_011' } }] }] })).toEqual(['file_011'])
    expect(refs({ model: 'x', messages: [{ role: 'user', content: 'no ids here' }] })).toEqual([])
  })

  test('an escaped field name is still found', () => {
    const text = '{"model":"x","previous_response\\u005fid":"resp_9"}'
    expect(referencedObjectIds(facts(text, JSON.parse(text)), false)).toEqual(['resp_9'])
  })

  test('a body that may name an id but that the gateway cannot read is unreadable; multipart is not scanned', () => {
    expect(referencedObjectIds(facts('\uFEFF{"input_file_id":"file-1"}', undefined), false)).toBeNull()
    expect(referencedObjectIds(facts('{"input_file_id":"file-1"}', { input_file_id: 'file-1' }, 'application/json', 'gzip'), false)).toBeNull()
    expect(referencedObjectIds(facts('--b\r\n{"custom_id":"1"}', undefined, 'multipart/form-data; boundary=b'), false)).toEqual([])
    expect(referencedObjectIds(facts('plain words', undefined, 'text/plain'), false)).toEqual([])
  })

  test('Gemini resource names and file URIs', () => {
    expect(refs({ cachedContent: 'cachedContents/c1', contents: [{ parts: [{ fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/f1' } }] }] }, true).sort()).toEqual(['cachedContents/c1', 'files/f1'])
    expect(refs({ contents: [{ parts: [{ fileData: { fileUri: 'https://www.youtube.com/watch?v=1' } }] }] }, true)).toEqual([])
  })

  test('a body nested beyond the bound is unreadable, not unchecked', () => {
    let deep: Record<string, unknown> = { file_id: 'file-x' }
    for (let i = 0; i < 100; i++) deep = { a: deep }
    expect(refsOrNull(deep)).toBeNull()
  })
})

describe('created objects', () => {
  const bytes = (text: string) => new TextEncoder().encode(text)
  test('JSON bodies, nested ids and streams', () => {
    expect(answeredObject(bytes('{"id":"file-1","object":"file","status":"processed"}'), false, { kind: 'file', id: ['id'] })).toEqual({
      id: 'file-1',
      status: 'processed',
      snapshot: '{"id":"file-1","object":"file","status":"processed"}',
      children: [],
    })
    expect(answeredObject(bytes('{"request_id":"r","output":{"task_id":"t1","task_status":"PENDING"}}'), false, { kind: 'task', id: ['output', 'task_id'], object: ['output'] })).toEqual({
      id: 't1',
      status: 'PENDING',
      snapshot: '{"task_id":"t1","task_status":"PENDING"}',
      children: [],
    })
    const batch = '{"id":"batch_1","status":"completed","output_file_id":"file-out","error_file_id":null}'
    expect(answeredObject(bytes(batch), false, { kind: 'batch', id: ['id'], children: [{ kind: 'file', path: ['output_file_id'] }, { kind: 'file', path: ['error_file_id'] }] })?.children).toEqual([
      { id: 'file-out', kind: 'file' },
    ])
    const stream = 'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1","status":"in_progress"}}\n\n'
    expect(answeredObject(bytes(stream), true, { kind: 'response', id: ['id'] })?.id).toBe('resp_1')
    expect(answeredObject(bytes('{"id":"resp_2","object":"response","output":[{"x":"'), false, { kind: 'response', id: ['id'] }, true)?.id).toBe('resp_2')
    expect(answeredObject(bytes('not json'), false, { kind: 'file', id: ['id'] })).toBeUndefined()
  })
})

describe('list envelopes', () => {
  const row = (id: string) => ({ objectId: id, kind: 'file', createdAt: 1_700_000_000_000, status: null, snapshot: JSON.stringify({ id, object: 'file' }) })
  test('limit + 1 rows say there are more', () => {
    const paging = pagingOf('openai', '?limit=2')
    expect(renderList('openai', 'file', [row('c'), row('b'), row('a')], paging, undefined, 'req_1')).toEqual({
      object: 'list',
      data: [{ id: 'c', object: 'file' }, { id: 'b', object: 'file' }],
      first_id: 'c',
      last_id: 'b',
      has_more: true,
    })
    expect(pagingOf('anthropic', '?limit=5&after_id=x')).toEqual({ limit: 5, afterId: 'x' })
    expect(pagingOf('openai', '?limit=100000')).toEqual({ limit: 100 })
    expect(renderList('byteplus', 'task', [], pagingOf('byteplus', ''), 0, 'req_1')).toEqual({ items: [], total: 0 })
  })
})
