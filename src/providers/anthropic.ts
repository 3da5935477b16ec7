// Anthropic: api.anthropic.com; the official SDK may send its key as x-api-key or Bearer; an OpenAI SDK compatibility endpoint beside it.
import { anthropicDialect, anthropicErrors } from './dialects/anthropic/index.ts'
import { openaiDialect, openaiErrors } from './dialects/openai/index.ts'
import { anthropicBatchJobs } from './dialects/anthropic/batches.ts'
import { defineProvider } from './spec.ts'

/** Anthropic's OpenAI SDK compatibility endpoint: OpenAI's request, response, stream and error formats. */
const OPENAI_CHAT = /^\/v1\/chat\/completions$/

export default defineProvider({
  id: 'anthropic',
  displayName: 'Anthropic',
  baseUrl: 'https://api.anthropic.com',
  clientKey: ['x-api-key', 'bearer'],
  upstreamAuth: { header: 'x-api-key' },
  modelRules: [
    { match: /^\/v1\/(messages|messages\/count_tokens|complete)$/, methods: ['POST'], from: 'body' },
    { match: OPENAI_CHAT, methods: ['POST'], from: 'body' },
    // Message Batches carry their requests inline: each one's params.model is checked.
    { match: /^\/v1\/messages\/batches$/, methods: ['POST'], from: 'body-optional', bulk: true, nested: [{ path: 'requests[].params.model', required: true }] },
    // Managed Agents: a session (and each event sent to it) runs the stored agent's model.
    { match: /^\/v1\/sessions(?:\/.*)?$/, methods: ['POST'], from: 'unknowable', unknowableBecause: "a Managed Agents session will run (the stored agent chooses it)" },
  ],
  errorShape: anthropicErrors,
  errorShapeRules: [{ match: OPENAI_CHAT, shape: openaiErrors }],
  jobs: anthropicBatchJobs,
  dialect: anthropicDialect,
  dialectRules: [{ match: OPENAI_CHAT, dialect: openaiDialect }],
  pricingId: 'anthropic',
  // platform.claude.com/docs/en/api/openai-sdk: the OpenAI SDK's Bearer key, base https://api.anthropic.com/v1/.
  openAICompatible: { chatCompletions: '/v1/chat/completions', upstreamAuth: { header: 'authorization', prefix: 'Bearer ' } },
})
