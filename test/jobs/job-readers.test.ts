// Each provider's job rules read its recorded task answers: id, normalised status, and the billable usage of a succeeded task.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { builtInProvider } from '../../src/providers/registry.ts'
import type { JobRules } from '../../src/types/jobs.ts'

const FIXTURES = join(import.meta.dir, '..', 'fixtures', 'usage')
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as unknown
const rules = (id: string): JobRules => builtInProvider(id)!.jobs!
const request = (method: string, path: string, json?: Record<string, unknown>, headers: Record<string, string> = {}) => ({ method, path, json, headers: new Headers(headers) })

describe('DashScope', () => {
  const jobs = rules('dashscope')
  test('a succeeded video task is billed from its usage', () => {
    expect(jobs.read(fixture('dashscope/video-task.json'))).toMatchObject({ providerJobId: 'af6efbc0-4bef-4194-8246-xxxxxx', status: 'succeeded', rawStatus: 'SUCCEEDED', usage: { videoSeconds: 5 } })
  })
  test('a multi-image task bills the images its usage counts, not the ones it asked for', () => {
    expect(jobs.read(fixture('dashscope/image-task.json'))?.usage).toMatchObject({ images: 2 })
  })
  test('a failed task has no usage, whatever it echoes', () => {
    expect(jobs.read(fixture('dashscope/task-failed.json'))).toMatchObject({ status: 'failed', usage: null })
  })
  test('statuses map onto the normalised ones', () => {
    const status = (s: string) => jobs.read({ output: { task_id: 't', task_status: s } })?.status
    expect(['PENDING', 'RUNNING', 'SUSPENDED', 'SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN', 'NEW'].map(status)).toEqual(['queued', 'running', 'running', 'succeeded', 'failed', 'canceled', 'unknown', 'unknown'])
  })
  test('only a service call with the async header submits a task, and only the task poll polls one', () => {
    const path = '/api/v1/services/aigc/video-generation/video-synthesis'
    expect(jobs.submission(request('POST', path, { model: 'wan2.5-t2v-preview', parameters: { duration: 5, size: '1920*1080', seed: 1 } }, { 'x-dashscope-async': 'enable' }))).toEqual({ kind: 'video', model: 'wan2.5-t2v-preview', params: { duration: 5, size: '1920*1080' } })
    expect(jobs.submission(request('POST', path, { model: 'wan2.5-t2v-preview' }))).toBeUndefined()
    expect(jobs.polls('GET', '/api/v1/tasks/abc')).toBe(true)
    expect(jobs.polls('POST', '/api/v1/tasks/abc/cancel')).toBe(false)
    expect(jobs.pollPath({ providerJobId: 'a/b', createPath: path })).toBe('/api/v1/tasks/a%2Fb')
  })
})

describe('BytePlus ModelArk', () => {
  const jobs = rules('byteplus')
  test('a succeeded Seedance task is billed by its completion tokens', () => {
    expect(jobs.read(fixture('byteplus/seedance-task.json'))).toMatchObject({ status: 'succeeded', usage: { outputTokens: 108_900 }, model: 'doubao-seedance-2-0-260128' })
  })
  test('a running task has no usage yet; a submit answer (id only) is queued', () => {
    expect(jobs.read(fixture('byteplus/seedance-task-running.json'))).toMatchObject({ status: 'running', usage: null })
    expect(jobs.read({ id: 'cgt-1' })).toMatchObject({ providerJobId: 'cgt-1', status: 'queued', rawStatus: null })
  })
  test('cancelled and expired are terminal statuses of their own', () => {
    expect(jobs.read({ id: 'c', status: 'cancelled' })?.status).toBe('canceled')
    expect(jobs.read({ id: 'c', status: 'expired' })?.status).toBe('expired')
  })
})

describe('MuleRouter', () => {
  const jobs = rules('mulerouter')
  test('a completed task succeeded; its answer carries no usage', () => {
    expect(jobs.read(fixture('mulerouter/video-task.json'))).toMatchObject({ providerJobId: '123e4567-e89b-12d3-a456-426614174000', status: 'succeeded', usage: null })
  })
  test('an HTTP-200 answer with an error object is a failure, at the top level or in task_info', () => {
    expect(jobs.read({ task_info: { id: 't', status: 'running' }, error: { error_code: 3005 } })?.status).toBe('failed')
    expect(jobs.read({ task_info: { id: 't', status: 'failed', error: { code: 4002 } } })?.status).toBe('failed')
    expect(jobs.read({ task_info: { id: 't', status: 'retrying' } })?.status).toBe('running')
  })
  test('vendor tasks are submits; the mirrored LLM APIs are not', () => {
    expect(jobs.submission(request('POST', '/vendors/alibaba/v1/wan2.6-t2v/generation', { duration: 10, resolution: '720P', prompt: 'x' }))).toEqual({ kind: 'video', model: 'wan2.6-t2v', params: { duration: 10, resolution: '720P' } })
    expect(jobs.submission(request('POST', '/vendors/openai/v1/chat/completions', { model: 'gpt-4o' }))).toBeUndefined()
    expect(jobs.polls('GET', '/vendors/alibaba/v1/wan2.6-t2v/generation/123')).toBe(true)
    expect(jobs.polls('GET', '/vendors/openai/v1/models/gpt-4o')).toBe(false)
  })
  test('price units come from the parameters: seconds of video, images, else nothing', () => {
    expect(jobs.usageFromParams!({ duration: '10s' }, 'video')).toMatchObject({ videoSeconds: 10 })
    expect(jobs.usageFromParams!({}, 'video')).toBeNull()
    expect(jobs.usageFromParams!({ n: 3 }, 'image')).toMatchObject({ images: 3 })
    expect(jobs.usageFromParams!({}, 'task')).toBeNull()
  })
})
