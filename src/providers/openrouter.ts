// OpenRouter: OpenAI-compatible API at https://openrouter.ai.
import { openAICompatible } from './openai-compatible.ts'

export default openAICompatible({ id: 'openrouter', displayName: 'OpenRouter', baseUrl: 'https://openrouter.ai', pricingId: 'openrouter' })
