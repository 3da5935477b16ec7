// MuleRouter: vendor-mirrored LLM APIs under /vendors/<vendor>/v1, async media tasks with the model in the path.
import { defineProvider } from './spec.ts'

export default defineProvider({
  id: 'mulerouter',
  displayName: 'MuleRouter',
  baseUrl: 'https://api.mulerouter.ai',
  regions: { mulerouter: 'https://api.mulerouter.ai', mulerun: 'https://api.mulerun.com' },
  clientKey: ['bearer', 'x-api-key'],
  upstreamAuth: { header: 'authorization', prefix: 'Bearer ' },
  modelRules: [
    { match: /^(?:\/vendors\/[^/]+)?\/v1\/(chat\/completions|messages|responses|embeddings)$/, methods: ['POST'], from: 'body' },
    // Vendor-mirrored Anthropic batches carry their requests inline; OpenAI-style batches run an input file.
    { match: /^(?:\/vendors\/[^/]+)?\/v1\/messages\/batches$/, methods: ['POST'], from: 'body-optional', nested: [{ path: 'requests[].params.model', required: true }] },
    {
      match: /^(?:\/vendors\/[^/]+)?\/v1\/batches$/,
      methods: ['POST'],
      from: 'unknowable',
      unknowableBecause: 'a batch will run: the models are in its input file, which the gateway cannot see',
    },
    // Task creation: /vendors/<vendor>/v1/<model>/<action...>; polls are GETs on the same path plus an id.
    { match: /^\/vendors\/[^/]+\/v1\/(?<model>[^/]+)\/.+$/, methods: ['POST'], from: 'path' },
  ],
  errorShape: 'openai',
  errorShapeRules: [{ match: /^(?:\/vendors\/anthropic\/v1\/|\/v1\/messages$)/, shape: 'anthropic' }],
  usageFamily: 'mulerouter',
})
