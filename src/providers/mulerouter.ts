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
    // Task creation: /vendors/<vendor>/v1/<model>/<action...>; polls are GETs on the same path plus an id.
    { match: /^\/vendors\/[^/]+\/v1\/(?<model>[^/]+)\/.+$/, methods: ['POST'], from: 'path' },
  ],
  errorShape: 'openai',
  errorShapeRules: [{ match: /^(?:\/vendors\/anthropic\/v1\/|\/v1\/messages$)/, shape: 'anthropic' }],
  usageFamily: 'mulerouter',
})
