// Together AI: OpenAI-compatible API at https://api.together.xyz.
import { openAICompatible } from './openai-compatible.ts'

export default openAICompatible({
  id: 'together',
  displayName: 'Together AI',
  baseUrl: 'https://api.together.xyz',
  pricingId: 'together',
  openAIEndpoints: ['chatCompletions', 'embeddings'],
})
