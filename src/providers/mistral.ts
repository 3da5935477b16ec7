// Mistral AI: OpenAI-compatible API at https://api.mistral.ai.
import { openAICompatible } from './openai-compatible.ts'

export default openAICompatible({ id: 'mistral', displayName: 'Mistral AI', baseUrl: 'https://api.mistral.ai', pricingId: 'mistral' })
