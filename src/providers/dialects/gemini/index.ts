// The native Gemini wire format (generateContent, streamGenerateContent): usageMetadata, generationConfig, contents.
import { isRecord } from '../../../wire/body.ts'
import { collectContent, collectMessages } from '../../../wire/prompt-text.ts'
import { objectField, positiveInt } from '../../../wire/request-fields.ts'
import type { Dialect } from '../../dialect.ts'
import { openaiPrompt } from '../openai/request.ts'
import { isUnbilledCall } from '../unbilled-calls.ts'
import { geminiStreamEnd } from './stream-end.ts'
import { extractGemini } from './usage.ts'

export { geminiErrors } from './errors.ts'

const FREE_VERBS = /\/(?:models|tunedModels)\/[^/:]+:batchGenerateContent$|\/batches\/[^/:]+:cancel$|\/files\/[^/:]+:download$/

export const geminiDialect: Dialect = {
  id: 'gemini',
  usage: extractGemini,
  streamEnd: geminiStreamEnd,
  // Without alt=sse the stream is a JSON array with a JSON content type: only the verb in the path says it streams.
  streamsByPath: (path) => path.includes(':streamGenerateContent'),
  maxTokens: (json) => positiveInt(objectField(json.generationConfig)?.maxOutputTokens),
  answers: (json) => positiveInt(objectField(json.generationConfig)?.candidateCount),
  // contents[].parts[].text and systemInstruction.parts[].text; Interactions send OpenAI-like `input` and `system` fields.
  prompt: (body, acc) => {
    openaiPrompt(body, acc)
    if (!isRecord(body)) return
    if (Array.isArray(body.contents)) collectMessages(body.contents, acc)
    if (isRecord(body.systemInstruction)) collectContent(body.systemInstruction.parts, acc)
  },
  // A batch's submit and cancel cost nothing themselves (the batch is billed once, as a job); a file download neither.
  freeEndpoint: (method, path) => isUnbilledCall(method, path) || FREE_VERBS.test(path),
}
