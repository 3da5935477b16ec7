// Google Gemini Developer API: model in the URL path, key in x-goog-api-key or ?key=.
import { defineProvider } from './spec.ts'

export default defineProvider({
  id: 'gemini',
  aliases: ['google'],
  displayName: 'Google Gemini',
  baseUrl: 'https://generativelanguage.googleapis.com',
  // Bearer serves the OpenAI-compatible surface under /v1beta/openai/.
  clientKey: ['x-goog-api-key', 'query-key', 'bearer'],
  upstreamAuth: { header: 'x-goog-api-key' },
  modelRules: [
    // countTokens is free upstream but still names a model, so the allowlist applies to it too.
    {
      match:
        /^\/v1(?:alpha|beta)?\/(?:models|tunedModels)\/(?<model>[^/:]+):(?:generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents|predict|predictLongRunning|batchGenerateContent)$/,
      methods: ['POST'],
      from: 'path',
    },
    { match: /^\/v1(?:alpha|beta)?\/openai\/(?:chat\/completions|embeddings|images\/generations)$/, methods: ['POST'], from: 'body' },
  ],
  errorShape: 'gemini',
  usageFamily: 'gemini',
  pricingId: 'google',
})
