// MuleRouter's wire formats by path: vendor-mirrored OpenAI and Anthropic APIs, and async task envelopes that carry no usage.
import type { Dialect } from '../dialect.ts'
import { bodyText, parseJson } from '../../wire/body.ts'
import { dig, rec } from '../../wire/fields.ts'
import { anthropicDialect } from '../dialects/anthropic/index.ts'
import { openaiDialect } from '../dialects/openai/index.ts'

// The mirrors' streams are not checked for a terminal event: the gateway waits for the upstream to close them.
export const vendorOpenAIDialect: Dialect = { ...openaiDialect, id: 'mulerouter-openai', streamEnd: undefined }
export const vendorAnthropicDialect: Dialect = { ...anthropicDialect, id: 'mulerouter-anthropic', streamEnd: undefined }

/** `{"task_info": {…}}`: a vendor task's submit or poll answer. */
function isTaskEnvelope(body: Uint8Array): boolean {
  return rec(dig(parseJson(bodyText(body)), 'task_info')) !== undefined
}

/** Task envelopes carry no usage (they are billed from request parameters elsewhere); requests are read as OpenAI's. */
export const mulerouterTaskDialect: Dialect = {
  ...openaiDialect,
  id: 'mulerouter-task',
  // A task envelope's exchange is free: the task is billed once, on its job's row (src/jobs/).
  usage: (input) => ({ usage: null, raw: null, ...(isTaskEnvelope(input.body) ? { job: true } : {}) }),
  streamEnd: undefined,
}
