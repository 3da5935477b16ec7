// How OpenAI-shaped streams end: `[DONE]` (chat), or a Responses, image or transcript terminal event.
import { lastSseEventIs, leadingType, type LastEvent } from '../../../wire/stream-tail-text.ts'

/** The last event of each OpenAI-shaped stream that has one (as the usage reader reads them). */
const OPENAI_TERMINAL = new Set([
  'response.completed', 'response.incomplete', 'response.failed',
  'image_generation.completed', 'image_edit.completed', 'transcript.text.done',
])

function openaiEnded(event: LastEvent): boolean {
  if (event.data.trim() === '[DONE]') return true
  const type = event.name || leadingType(event.data)
  return type !== undefined && OPENAI_TERMINAL.has(type)
}

export const openaiStreamEnd = lastSseEventIs(openaiEnded)
