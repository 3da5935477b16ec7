// MuleRouter: vendor-mirrored LLM APIs under /vendors/<vendor>/v1, async media tasks with the model in the path.
import { defineProvider } from '../spec.ts'
import { anthropicErrors } from '../dialects/anthropic/index.ts'
import { openaiErrors } from '../dialects/openai/index.ts'
import { mulerouterJobs } from './jobs.ts'
import { mulerouterTaskDialect, vendorAnthropicDialect, vendorOpenAIDialect } from './dialects.ts'

/** Optional vendor prefix, then the API version: `/vendors/openai/v1`, or the bare `/v1` aliases. */
const V1 = '^(?:/vendors/[A-Za-z0-9._~-]+)?/v1'

export default defineProvider({
  id: 'mulerouter',
  displayName: 'MuleRouter',
  baseUrl: 'https://api.mulerouter.ai',
  regions: { mulerouter: 'https://api.mulerouter.ai', mulerun: 'https://api.mulerun.com' },
  clientKey: ['bearer', 'x-api-key'],
  upstreamAuth: { header: 'authorization', prefix: 'Bearer ' },
  // Rules see the canonical path (request-target.ts): `%76endors` has become `vendors`, `%761` is `v1`, `//` was refused.
  modelRules: [
    { match: new RegExp(`${V1}/(?:chat/completions|messages|responses|embeddings)$`), methods: ['POST'], from: 'body' },
    // Vendor-mirrored Anthropic batches carry their requests inline; OpenAI-style batches run an input file.
    { match: new RegExp(`${V1}/messages/batches$`), methods: ['POST'], from: 'body-optional', bulk: true, nested: [{ path: 'requests[].params.model', required: true }] },
    {
      match: new RegExp(`${V1}/batches$`),
      methods: ['POST'],
      from: 'unknowable',
      unknowableBecause: 'a batch will run: the models are in its input file, which the gateway cannot see',
    },
    { match: new RegExp(`${V1}/models$`), from: 'none' },
    { match: new RegExp(`${V1}/models/(?<model>[A-Za-z0-9._~-]+)$`), from: 'path' },
    // The mirrored LLM APIs' other endpoints (stored responses, count_tokens…): the model, if any, is in the body.
    { match: new RegExp(`${V1}/(?:chat|messages|responses|embeddings|completions)(?:/[^/]+)*$`), from: 'body-optional' },
    // Tasks: /vendors/<vendor>/v1/<model>/<action...>, and polls are any method on that path plus an id, so the model
    // is checked on every method.
    { match: new RegExp(`${V1}/(?<model>[A-Za-z0-9._~-]+)(?:/[^/]+)*$`), from: 'path' },
    // Fail closed: any other vendor or v1 path (another case, another version, an odd model id) is refused.
    { match: /^\/(?:vendors|v1)(?:\/|$)/i, from: 'path' },
  ],
  errorShape: openaiErrors,
  jobs: mulerouterJobs,
  errorShapeRules: [{ match: /^(?:\/vendors\/anthropic\/v1\/|\/v1\/messages$)/, shape: anthropicErrors }],
  // Vendor-mirrored APIs speak their vendor's format; everything else is a task envelope.
  dialect: mulerouterTaskDialect,
  dialectRules: [
    { match: /^\/vendors\/openai\//, dialect: vendorOpenAIDialect },
    { match: /^\/vendors\/anthropic\//, dialect: vendorAnthropicDialect },
  ],
  // The OpenAI shape is served only under the OpenAI vendor path (the bare /v1 aliases are not reliable).
  openAICompatible: { chatCompletions: '/vendors/openai/v1/chat/completions' },
})
