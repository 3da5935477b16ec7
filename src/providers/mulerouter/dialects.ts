// MuleRouter's wire formats by path: vendor-mirrored OpenAI and Anthropic APIs, and async task envelopes that carry no usage.
import type { Dialect } from '../dialect.ts'
import { anthropicDialect } from '../dialects/anthropic/index.ts'
import { openaiDialect } from '../dialects/openai/index.ts'

// The mirrors' streams are not checked for a terminal event: the gateway waits for the upstream to close them.
export const vendorOpenAIDialect: Dialect = { ...openaiDialect, id: 'mulerouter-openai', streamEnd: undefined }
export const vendorAnthropicDialect: Dialect = { ...anthropicDialect, id: 'mulerouter-anthropic', streamEnd: undefined }

/** Task envelopes carry no usage (they are billed from request parameters elsewhere); requests are read as OpenAI's. */
export const mulerouterTaskDialect: Dialect = {
  ...openaiDialect,
  id: 'mulerouter-task',
  usage: () => ({ usage: null, raw: null }),
  streamEnd: undefined,
}
