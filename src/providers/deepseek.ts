// DeepSeek: OpenAI-compatible API at https://api.deepseek.com.
import { openAICompatible } from './openai-compatible.ts'

// Chat only (no embeddings or Responses API), at the root as its docs give it (`/v1` works too).
export default openAICompatible({ id: 'deepseek', displayName: 'DeepSeek', baseUrl: 'https://api.deepseek.com', pricingId: 'deepseek', openAIPath: '', openAIEndpoints: ['chatCompletions'] })
