// Mistral AI: OpenAI-compatible API at https://api.mistral.ai; agents and conversations may run a stored agent's model.
import { openAICompatible } from './openai-compatible.ts'

const AGENT = "the stored agent will run (it chooses its own model)"

export default openAICompatible({
  id: 'mistral',
  displayName: 'Mistral AI',
  baseUrl: 'https://api.mistral.ai',
  pricingId: 'mistral',
  openAIEndpoints: ['chatCompletions', 'embeddings'],
  modelRules: [
    { match: /^\/v1\/agents\/completions$/, methods: ['POST'], from: 'unknowable', unknowableBecause: AGENT },
    // A new conversation names a "model" or an "agent_id"; appending to or restarting one keeps its model.
    { match: /^\/v1\/conversations$/, methods: ['POST'], from: 'body-optional', unknowableWithout: 'model', unknowableBecause: AGENT },
    { match: /^\/v1\/conversations\/[^/]+(?:\/restart)?$/, methods: ['POST'], from: 'unknowable', unknowableBecause: 'the conversation will continue with its own model' },
  ],
})
