// The Anthropic wire format of the mock upstream: messages (JSON and named SSE events), token counting, models.
import { answerTo, MOCK_MODELS, promptText, tokensOf } from './mock-answer.ts'
import { jsonResponse, mockId, sseEvent, sseResponse } from './wire-response.ts'

export function message(json: Record<string, unknown>, model: string): Response {
  const answer = answerTo(json)
  const id = mockId('msg_mock')
  const usage = { input_tokens: answer.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: answer.outputTokens }
  const envelope = {
    id,
    type: 'message',
    role: 'assistant',
    model,
    stop_reason: 'end_turn',
    stop_sequence: null,
  }
  if (json.stream !== true) return jsonResponse({ ...envelope, content: [{ type: 'text', text: answer.text }], usage })

  // Anthropic's stream: input counted in message_start, output as a running total in message_delta.
  const event = (type: string, fields: Record<string, unknown>) => sseEvent({ type, ...fields }, type)
  const events = [
    event('message_start', { message: { ...envelope, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
    ...answer.deltas.map((text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    event('content_block_stop', { index: 0 }),
    event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: answer.outputTokens } }),
    event('message_stop', {}),
  ]
  return sseResponse(events)
}

export function countTokens(json: Record<string, unknown>): Response {
  return jsonResponse({ input_tokens: tokensOf(promptText(json)) })
}

const modelInfo = (id: string) => ({ type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z' })

export function models(): Response {
  const data = MOCK_MODELS.map(modelInfo)
  return jsonResponse({ data, has_more: false, first_id: data[0]!.id, last_id: data.at(-1)!.id })
}

export function model(id: string): Response {
  return jsonResponse(modelInfo(id))
}

