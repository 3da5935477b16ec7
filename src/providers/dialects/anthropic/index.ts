// The Anthropic Messages wire format: JSON messages, named-event SSE ending in message_stop, `max_tokens`.
import { isRecord } from '../../../wire/body.ts'
import { collectContent, collectMessages } from '../../../wire/prompt-text.ts'
import { positiveInt } from '../../../wire/request-fields.ts'
import { lastSseEventIs, leadingType } from '../../../wire/stream-tail-text.ts'
import type { Dialect } from '../../dialect.ts'
import { isUnbilledCall } from '../unbilled-calls.ts'
import { extractAnthropic } from './usage.ts'

export { anthropicErrors } from './errors.ts'

export const anthropicDialect: Dialect = {
  id: 'anthropic',
  usage: extractAnthropic,
  streamEnd: lastSseEventIs((event) => (event.name || leadingType(event.data)) === 'message_stop'),
  maxTokens: (json) => positiveInt(json.max_tokens),
  answers: () => undefined,
  prompt: (body, acc) => {
    if (!isRecord(body)) return
    collectContent(body.system, acc)
    // The legacy Text Completions API (/v1/complete) sends a `prompt`.
    collectContent(body.prompt, acc)
    if (Array.isArray(body.messages)) collectMessages(body.messages, acc)
  },
  freeEndpoint: isUnbilledCall,
}
