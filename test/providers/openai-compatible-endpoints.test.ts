// Each provider module's OpenAI-compatible endpoints (what /v1/… forwards to) are paths its own rules read as OpenAI's wire format.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.ts'
import { ServiceError } from '../../src/errors/service-error.ts'
import { dialectFor } from '../../src/providers/provider-wire.ts'
import { BUILT_IN_PROVIDERS, indexProviders, MOCK_PROVIDER } from '../../src/providers/registry.ts'
import type { OpenAIEndpoint } from '../../src/providers/spec.ts'
import { locateModel } from '../../src/proxy/locate-model.ts'
import { canonicalUpstreamPath } from '../../src/proxy/request-target.ts'

const ENDPOINTS: OpenAIEndpoint[] = ['chatCompletions', 'embeddings', 'responses']
const body = new TextEncoder().encode('{"model":"some-model","stream":true}')

describe('openAICompatible endpoints of every built-in provider', () => {
  test('every built-in provider has one, each path canonical, read as OpenAI (dialect, model from the body)', () => {
    for (const spec of [...BUILT_IN_PROVIDERS, MOCK_PROVIDER]) {
      const endpoints = spec.openAICompatible
      expect({ id: spec.id, has: endpoints !== undefined }).toEqual({ id: spec.id, has: true })
      for (const endpoint of ENDPOINTS) {
        const path = endpoints![endpoint]
        if (path === undefined) continue
        expect({ id: spec.id, path, canonical: canonicalUpstreamPath(path) }).toEqual({ id: spec.id, path, canonical: path })
        expect({ id: spec.id, path, dialect: dialectFor(spec, path).id }).toEqual({ id: spec.id, path, dialect: expect.stringMatching(/openai/) })
        expect({ id: spec.id, path, model: locateModel(spec, 'POST', path, 'application/json', body).model }).toEqual({ id: spec.id, path, model: 'some-model' })
        // Chat streams may have include_usage added (stream_usage "inject"), as on OpenAI's own path.
        if (endpoint === 'chatCompletions') expect({ id: spec.id, inject: dialectFor(spec, path).includeUsage?.(path) }).toEqual({ id: spec.id, inject: true })
      }
    }
  })

  test('the paths each provider documents', () => {
    const chat = Object.fromEntries([...BUILT_IN_PROVIDERS].map((spec) => [spec.id, spec.openAICompatible?.chatCompletions]))
    expect(chat).toEqual({
      openai: '/v1/chat/completions',
      anthropic: '/v1/chat/completions',
      dashscope: '/compatible-mode/v1/chat/completions',
      byteplus: '/api/v3/chat/completions',
      mulerouter: '/vendors/openai/v1/chat/completions',
      gemini: '/v1beta/openai/chat/completions',
      mistral: '/v1/chat/completions',
      groq: '/openai/v1/chat/completions',
      deepseek: '/chat/completions',
      xai: '/v1/chat/completions',
      together: '/v1/chat/completions',
      fireworks: '/inference/v1/chat/completions',
      openrouter: '/api/v1/chat/completions',
    })
    const anthropic = BUILT_IN_PROVIDERS.find((spec) => spec.id === 'anthropic')!
    // Anthropic's compatibility endpoint takes the OpenAI SDK's Bearer key; its native API keeps x-api-key.
    expect(anthropic.openAICompatible!.upstreamAuth).toEqual({ header: 'authorization', prefix: 'Bearer ' })
    expect(anthropic.upstreamAuth.header).toBe('x-api-key')
    expect(anthropic.openAICompatible!.embeddings).toBeUndefined()
  })

  test('"v1" is reserved for the unified endpoint', () => {
    expect(() => indexProviders([{ spec: { ...BUILT_IN_PROVIDERS[0]!, id: 'v1' } }])).toThrow(ServiceError)
  })

  test('a custom provider from the config file: /v1 by default, or its openai_path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sociaro-openai-path-'))
    try {
      const file = join(dir, 'sociaro.toml')
      writeFileSync(file, '[[providers]]\nid = "plain"\nbase_url = "https://llm.example.com"\n\n[[providers]]\nid = "nested"\nbase_url = "https://llm.example.com"\nopenai_path = "/api/openai/v1"\n')
      const config = loadConfig({ SOCIARO_CONFIG: file })
      const paths = (id: string) => config.providers.find((p) => p.spec.id === id)!.spec.openAICompatible
      expect(paths('plain')).toEqual({ chatCompletions: '/v1/chat/completions', embeddings: '/v1/embeddings', responses: '/v1/responses' })
      expect(paths('nested')!.chatCompletions).toBe('/api/openai/v1/chat/completions')
      writeFileSync(file, '[[providers]]\nid = "bad"\nbase_url = "https://llm.example.com"\nopenai_path = "v1/../x"\n')
      expect(() => loadConfig({ SOCIARO_CONFIG: file })).toThrow('openai_path must be a path')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
