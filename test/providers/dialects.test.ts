// Which wire format each built-in provider speaks on which path: the table the proxy, meter, limits and pricing all read.
import { describe, expect, test } from 'bun:test'
import { dialectFor, errorFormatFor } from '../../src/providers/provider-wire.ts'
import { BUILT_IN_PROVIDERS, builtInProvider, MOCK_PROVIDER } from '../../src/providers/registry.ts'

const spec = (id: string) => builtInProvider(id)!

describe('dialect by provider and path', () => {
  const table: [string, string, string][] = [
    ['openai', '/v1/chat/completions', 'openai'],
    ['anthropic', '/v1/messages', 'anthropic'],
    ['gemini', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', 'gemini'],
    ['gemini', '/v1beta/openai/chat/completions', 'openai'],
    ['dashscope', '/api/v1/services/aigc/text-generation/generation', 'dashscope'],
    ['dashscope', '/compatible-mode/v1/chat/completions', 'openai'],
    ['dashscope', '/apps/anthropic/v1/messages', 'anthropic'],
    ['byteplus', '/api/v3/chat/completions', 'openai'],
    ['byteplus', '/api/v3/images/generations', 'byteplus-seedream'],
    ['byteplus', '/api/v3/contents/generations/tasks/cgt-1', 'byteplus-seedance'],
    ['mulerouter', '/vendors/openai/v1/chat/completions', 'mulerouter-openai'],
    ['mulerouter', '/vendors/anthropic/v1/messages', 'mulerouter-anthropic'],
    ['mulerouter', '/vendors/kling/v1/m/a/1', 'mulerouter-task'],
    ['mock', '/v1/messages', 'mock-anthropic'],
    ['mock', '/v1/chat/completions', 'mock-openai'],
    ['groq', '/openai/v1/chat/completions', 'openai'],
  ]
  for (const [id, path, dialect] of table) test(`${id} ${path} → ${dialect}`, () => expect(dialectFor(spec(id), path).id).toBe(dialect))

  test('error formats follow the path where a provider mixes them', () => {
    expect(errorFormatFor(spec('dashscope'), '/api/v1/x').id).toBe('dashscope')
    expect(errorFormatFor(spec('dashscope'), '/compatible-mode/v1/chat/completions').id).toBe('openai')
    expect(errorFormatFor(spec('byteplus'), '/api/v3/chat/completions').id).toBe('byteplus')
    expect(errorFormatFor(spec('gemini'), '/v1beta/openai/chat/completions').id).toBe('gemini')
  })

  test('include_usage is offered only where the dialect speaks stream_options', () => {
    const can = (id: string, path: string) => dialectFor(spec(id), path).includeUsage?.(path) === true
    expect(can('openai', '/v1/chat/completions')).toBe(true)
    expect(can('gemini', '/v1beta/openai/chat/completions')).toBe(true)
    expect(can('gemini', '/v1beta/models/x:streamGenerateContent')).toBe(false)
    expect(can('dashscope', '/compatible-mode/v1/chat/completions')).toBe(true)
    expect(can('dashscope', '/api/v1/services/aigc/text-generation/generation')).toBe(false)
    expect(can('anthropic', '/v1/messages')).toBe(false)
    expect(can('openai', '/v1/responses')).toBe(false)
  })

  test('every built-in provider has a dialect, an error format, and the mock alone is unbilled', () => {
    for (const provider of [...BUILT_IN_PROVIDERS, MOCK_PROVIDER]) {
      expect(typeof provider.dialect.usage).toBe('function')
      expect(typeof provider.errorShape.body).toBe('function')
      expect(provider.unbilled === true).toBe(provider === MOCK_PROVIDER)
    }
  })
})
