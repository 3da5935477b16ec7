// The OpenAI wire format, shared by OpenAI and every OpenAI-compatible API (chat, Responses, embeddings, images, audio).
import type { Dialect } from '../../dialect.ts'
import { isUnbilledCall } from '../unbilled-calls.ts'
import { openaiAnswers, openaiMaxTokens, openaiPrompt } from './request.ts'
import { openaiStreamEnd } from './stream-end.ts'
import { extractOpenAI } from './usage.ts'

export { openaiErrors } from './errors.ts'

export const openaiDialect: Dialect = {
  id: 'openai',
  usage: extractOpenAI,
  streamEnd: openaiStreamEnd,
  // Only chat completions speak stream_options; the Responses API reports usage in its terminal event anyway.
  includeUsage: (path) => path.endsWith('/chat/completions'),
  maxTokens: openaiMaxTokens,
  answers: openaiAnswers,
  prompt: openaiPrompt,
  freeEndpoint: isUnbilledCall,
}
