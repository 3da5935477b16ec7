// xAI: OpenAI-compatible API at https://api.x.ai.
import { openAICompatible } from './openai-compatible.ts'

export default openAICompatible({ id: 'xai', displayName: 'xAI', baseUrl: 'https://api.x.ai', pricingId: 'x-ai', openAIEndpoints: ['chatCompletions', 'responses'] })
