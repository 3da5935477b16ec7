// Google Gemini Developer API: model in the URL path, key in x-goog-api-key or ?key=.
import { geminiBatchJobs } from './dialects/gemini/batches.ts'
import { geminiDialect, geminiErrors } from './dialects/gemini/index.ts'
import { openaiDialect } from './dialects/openai/index.ts'
import { defineProvider } from './spec.ts'

/** A model or resource id as the gateway accepts it in a path: unreserved characters only (canonical paths decode the rest). */
const ID = '[A-Za-z0-9._~-]+'

export default defineProvider({
  id: 'gemini',
  aliases: ['google'],
  displayName: 'Google Gemini',
  baseUrl: 'https://generativelanguage.googleapis.com',
  // Bearer serves the OpenAI-compatible surface under /v1beta/openai/.
  clientKey: ['x-goog-api-key', 'query-key', 'bearer'],
  upstreamAuth: { header: 'x-goog-api-key' },
  // Rules see the canonical path (request-target.ts): `%6Dodels` has become `models`, `//` and `;` were refused.
  modelRules: [
    { match: /^\/v1(?:alpha|beta)?\/openai\/(?:chat\/completions|embeddings|images\/generations)$/, methods: ['POST'], from: 'body' },
    // Any path naming a model is checked, whatever the method, version or verb: the billable verbs are not a closed list
    // (generateAnswer, asyncBatchEmbedContent…), and a GET of model metadata or of a Veo operation is checked too.
    // Verbs are Google's lowerCamelCase; another case is refused below rather than guessed at (the meter tells a stream
    // by its exact `:streamGenerateContent`). Batch bodies may name per-request models ("models/…") inline.
    {
      match: new RegExp(`^/v\\d[A-Za-z0-9]*(?:/openai)?/(?:models|tunedModels)/(?<model>${ID})(?::[a-z][A-Za-z0-9]*)?(?:/${ID})*$`),
      from: 'path',
      stripPrefix: 'models/',
      nested: [
        { path: 'requests[].model' },
        { path: 'batch.inputConfig.requests.requests[].request.model' },
        { path: 'batch.input_config.requests.requests[].request.model' },
      ],
      // A batch read from an uploaded file: its lines are requests the gateway cannot see.
      unknowableWith: ['batch.inputConfig.fileName', 'batch.input_config.file_name'],
      // Inline batches are lists of requests (Gemini takes up to 20 MB of them): their parse budget is per MiB.
      bulk: /:(?:batchGenerateContent|batchEmbedContents|asyncBatchEmbedContent)$/,
      unknowableBecause: 'the lines of this batch input file will run',
    },
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
    // Fail closed: any other spelling of a models path (another case, an encoded ":", an odd model id, a verb with
    // extra characters, a models segment deeper in the path) names a model the gateway cannot read, so it is refused.
    { match: /\/(?:tuned)?models(?:\/|:|%3A)/i, from: 'path' },
  ],
  errorShape: geminiErrors,
  dialect: geminiDialect,
  // The OpenAI-compatible surface speaks OpenAI's wire format (its errors stay Google's).
  dialectRules: [{ match: /\/openai\//, dialect: openaiDialect }],
  pricingId: 'google',
  // Batch Mode (batchGenerateContent): followed by src/jobs/ and billed once from its results.
  jobs: geminiBatchJobs,
  // ai.google.dev/gemini-api/docs/openai: base …/v1beta/openai/, the key as an OpenAI Bearer token.
  openAICompatible: {
    chatCompletions: '/v1beta/openai/chat/completions',
    embeddings: '/v1beta/openai/embeddings',
    upstreamAuth: { header: 'authorization', prefix: 'Bearer ' },
  },
})
