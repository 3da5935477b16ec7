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
    // Any model action (generateContent, countTokens, embedContent, batchGenerateContent, predictLongRunning, …):
    // the allowlist applies even to free ones. Batch bodies may name per-request models ("models/…") inline.
    {
      match: /^\/v1(?:alpha|beta)?\/(?:models|tunedModels)\/(?<model>[^/:]+):[A-Za-z]+$/,
      methods: ['POST'],
      from: 'path',
      stripPrefix: 'models/',
      nested: [
        { path: 'requests[].model' },
        { path: 'batch.inputConfig.requests.requests[].request.model' },
        { path: 'batch.input_config.requests.requests[].request.model' },
      ],
      // A batch read from an uploaded file: its lines are requests the gateway cannot see.
      unknowableWith: ['batch.inputConfig.fileName', 'batch.input_config.file_name'],
      unknowableBecause: 'the lines of this batch input file will run',
    },
    { match: /^\/v1(?:alpha|beta)?\/openai\/(?:chat\/completions|embeddings|images\/generations)$/, methods: ['POST'], from: 'body' },
    {
      match: /^\/v1(?:alpha|beta)?\/openai\/batches$/,
      methods: ['POST'],
      from: 'unknowable',
      unknowableBecause: 'a batch will run: the models are in its input file, which the gateway cannot see',
    },
    // Context caches are created for one model, named "models/…".
    { match: /^\/v1(?:alpha|beta)?\/cachedContents$/, methods: ['POST'], from: 'body', stripPrefix: 'models/' },
    // Interactions name a "model" or a stored "agent".
    {
      match: /^\/v1(?:alpha|beta)?\/interactions$/,
      methods: ['POST'],
      from: 'body-optional',
      stripPrefix: 'models/',
      unknowableWithout: 'model',
      unknowableBecause: 'an interaction without "model" will run (its agent chooses it)',
    },
  ],
  errorShape: 'gemini',
  usageFamily: 'gemini',
  pricingId: 'google',
})
