// DashScope's native /api/v1 wire format: running-total SSE without a terminal event, `input` and `parameters` in requests.
import { isRecord } from '../../../wire/body.ts'
import type { PromptCount } from '../../../wire/prompt-text.ts'
import { objectField, positiveInt } from '../../../wire/request-fields.ts'
import type { Dialect } from '../../dialect.ts'
import { openaiPrompt } from '../openai/request.ts'
import { isUnbilledCall } from '../unbilled-calls.ts'
import { extractDashScope } from './usage.ts'

export { dashscopeErrors } from './errors.ts'

/** The native body nests OpenAI-like messages or a prompt under `input`; the top level may hold them too. */
function dashscopePrompt(body: unknown, acc: PromptCount): void {
  openaiPrompt(body, acc)
  if (isRecord(body) && isRecord(body.input)) openaiPrompt(body.input, acc)
}

export const dashscopeDialect: Dialect = {
  id: 'dashscope',
  usage: extractDashScope,
  // No terminal event of its own: the last event says finish_reason, and then the upstream closes.
  maxTokens: (json) => positiveInt(objectField(json.parameters)?.max_tokens),
  answers: (json) => positiveInt(objectField(json.parameters)?.n),
  prompt: dashscopePrompt,
  freeEndpoint: isUnbilledCall,
}
