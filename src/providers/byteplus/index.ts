// BytePlus ModelArk: OpenAI-like /api/v3, Seedream images, Seedance video tasks; `model` may be an endpoint or bot id (checked as given).
import { openaiDialect } from '../dialects/openai/index.ts'
import { defineProvider } from '../spec.ts'
import { seedanceDialect, seedreamDialect } from './dialects.ts'
import { byteplusErrors } from './errors.ts'
import { byteplusJobs } from './jobs.ts'

export default defineProvider({
  id: 'byteplus',
  displayName: 'BytePlus ModelArk',
  baseUrl: 'https://ark.ap-southeast.bytepluses.com',
  regions: { 'ap-southeast': 'https://ark.ap-southeast.bytepluses.com', 'eu-west': 'https://ark.eu-west.bytepluses.com' },
  clientKey: ['bearer'],
  upstreamAuth: { header: 'authorization', prefix: 'Bearer ' },
  modelRules: [
    {
      match: /^\/api\/v3\/(chat\/completions|batch\/chat\/completions|bots\/chat\/completions|responses|embeddings|embeddings\/multimodal|images\/generations|contents\/generations\/tasks)$/,
      methods: ['POST'],
      from: 'body',
    },
  ],
  errorShape: byteplusErrors,
  jobs: byteplusJobs,
  dialect: openaiDialect,
  dialectRules: [
    { match: /\/images\/generations/, dialect: seedreamDialect },
    { match: /\/contents\/generations\/tasks/, dialect: seedanceDialect },
  ],
  // Ark's OpenAI-compatible chat, its embeddings and its own Responses API; `model` may be an `ep-…` endpoint id.
  openAICompatible: { chatCompletions: '/api/v3/chat/completions', embeddings: '/api/v3/embeddings', responses: '/api/v3/responses' },
})
