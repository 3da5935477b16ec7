// Groq: OpenAI-compatible API at https://api.groq.com.
import { openAICompatible } from './openai-compatible.ts'

export default openAICompatible({
  id: 'groq',
  displayName: 'Groq',
  baseUrl: 'https://api.groq.com',
  pricingId: 'groq',
  openAIPath: '/openai/v1',
  openAIEndpoints: ['chatCompletions', 'responses'],
})
