// Usage from MuleRouter /vendors/<vendor>/... responses: vendor-shaped LLM bodies, and task envelopes (no usage).
import type { ExtractInput, Extraction } from '../usage-types.ts'
import { extractAnthropic } from './anthropic.ts'
import { extractOpenAI } from './openai.ts'

export function extractMuleRouter(input: ExtractInput): Extraction {
  if (input.path.startsWith('/vendors/openai/')) return extractOpenAI(input)
  if (input.path.startsWith('/vendors/anthropic/')) return extractAnthropic(input)
  // Task envelopes carry no usage; they are billed from request parameters elsewhere.
  return { usage: null, raw: null }
}
