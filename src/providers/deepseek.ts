// DeepSeek: OpenAI-compatible API at https://api.deepseek.com.
import { openAICompatible } from './openai-compatible.ts'

export default openAICompatible({ id: 'deepseek', displayName: 'DeepSeek', baseUrl: 'https://api.deepseek.com', pricingId: 'deepseek' })
