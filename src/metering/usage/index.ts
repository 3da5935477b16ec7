// Entry point of usage extraction: routes a response to its family's extractor and guarantees it never throws.
import type { ExtractInput, Extraction } from '../usage-types.ts'
import { extractAnthropic } from './anthropic.ts'
import { extractBytePlus } from './byteplus.ts'
import { extractDashScope } from './dashscope.ts'
import { extractGemini } from './gemini.ts'
import { extractMuleRouter } from './mulerouter.ts'
import { extractOpenAI } from './openai.ts'

export function extractUsage(input: ExtractInput): Extraction {
  try {
    return route(input)
  } catch {
    // Metering must never break a response that already reached the client.
    return { usage: null }
  }
}

function route(input: ExtractInput): Extraction {
  switch (input.family) {
    case 'openai':
      return extractOpenAI(input)
    case 'anthropic':
      return extractAnthropic(input)
    case 'gemini':
      return input.path.includes('/openai/') ? extractOpenAI(input) : extractGemini(input)
    case 'dashscope':
      return input.path.startsWith('/compatible-mode/') ? extractOpenAI(input) : extractDashScope(input)
    case 'byteplus':
      return extractBytePlus(input)
    case 'mulerouter':
      return extractMuleRouter(input)
    case 'mock':
      return input.path.startsWith('/v1/messages') ? extractAnthropic(input) : extractOpenAI(input)
    default:
      return { usage: null }
  }
}
