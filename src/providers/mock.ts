// Mock: the built-in provider that needs no account; OpenAI and Anthropic wire formats, served in-process (src/mock/).
import type { Dialect } from './dialect.ts'
import { anthropicDialect, anthropicErrors } from './dialects/anthropic/index.ts'
import { openaiDialect, openaiErrors } from './dialects/openai/index.ts'
import { defineProvider } from './spec.ts'

// The mock's streams are not checked for a terminal event: its in-process upstream always closes them.
const mockOpenAI: Dialect = { ...openaiDialect, id: 'mock-openai', streamEnd: undefined }
const mockAnthropic: Dialect = { ...anthropicDialect, id: 'mock-anthropic', streamEnd: undefined }

export const MOCK_PROVIDER_ID = 'mock'

export default defineProvider({
  id: MOCK_PROVIDER_ID,
  displayName: 'Mock (built in, no account)',
  // Replaced by the loopback address of the in-process upstream when the gateway starts (see startMockUpstream).
  baseUrl: 'http://127.0.0.1',
  // OpenAI SDKs send Bearer, Anthropic SDKs x-api-key: one provider serves both.
  clientKey: ['bearer', 'x-api-key'],
  upstreamAuth: { header: 'authorization', prefix: 'Bearer ' },
  modelRules: [
    { match: /^\/v1\/(chat\/completions|responses|embeddings|messages|messages\/count_tokens)$/, methods: ['POST'], from: 'body' },
    { match: /^\/v1\/models$/, from: 'none' },
    { match: /^\/v1\/models\/(?<model>[A-Za-z0-9._~:-]+)$/, from: 'path' },
  ],
  errorShape: openaiErrors,
  errorShapeRules: [{ match: /^\/v1\/messages(?:\/|$)/, shape: anthropicErrors }],
  dialect: mockOpenAI,
  dialectRules: [{ match: /^\/v1\/messages/, dialect: mockAnthropic }],
  // Answered in-process: nothing is billed, whatever a price or an override says.
  unbilled: true,
  openAICompatible: { chatCompletions: '/v1/chat/completions', embeddings: '/v1/embeddings', responses: '/v1/responses' },
})
