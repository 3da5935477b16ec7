// Fireworks AI: OpenAI-compatible API at https://api.fireworks.ai.
import { openAICompatible } from './openai-compatible.ts'

export default openAICompatible({ id: 'fireworks', displayName: 'Fireworks AI', baseUrl: 'https://api.fireworks.ai', pricingId: 'fireworks', openAIPath: '/inference/v1' })
