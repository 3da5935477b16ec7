// OpenRouter: OpenAI-compatible API at https://openrouter.ai; `models` lists fallbacks that may run instead of `model`.
import { openAICompatible } from './openai-compatible.ts'

export default openAICompatible({
  id: 'openrouter',
  displayName: 'OpenRouter',
  baseUrl: 'https://openrouter.ai',
  pricingId: 'openrouter',
  nestedModels: [{ path: 'models[]' }],
  openAIPath: '/api/v1',
})
