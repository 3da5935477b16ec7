// The OpenAI wire format of the mock upstream: chat completions, responses, embeddings and models, JSON and SSE.
import { answerTo, embeddingInputs, embeddingOf, MOCK_MODELS, type MockAnswer } from './mock-answer.ts'
import { jsonResponse, mockId, openAIError, sseEvent, sseResponse } from './wire-response.ts'

const DEFAULT_DIMENSIONS = 256
const MAX_DIMENSIONS = 4096
/** OpenAI's own limit on inputs per request. */
const MAX_INPUTS = 2048
/** Numbers one answer may hold (8 MiB of floats): the answer's size stays bounded whatever the request asks. */
const MAX_VALUES = 2 * 1024 * 1024

const seconds = () => Math.floor(Date.now() / 1000)

function chatUsage(answer: MockAnswer) {
  return {
    prompt_tokens: answer.inputTokens,
    completion_tokens: answer.outputTokens,
    total_tokens: answer.inputTokens + answer.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  }
}

export function chatCompletion(json: Record<string, unknown>, model: string): Response {
  const answer = answerTo(json)
  const id = mockId('chatcmpl-mock')
  const created = seconds()
  if (json.stream !== true) {
    return jsonResponse({
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: answer.text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: chatUsage(answer),
      system_fingerprint: 'fp_sociaro_mock',
    })
  }
  // Like OpenAI: usage only when the request asked for it, as an extra chunk with no choices before [DONE].
  const options = json.stream_options
  const includeUsage = !!options && typeof options === 'object' && (options as Record<string, unknown>).include_usage === true
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: 'fp_sociaro_mock',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  })
  const events = [
    sseEvent(chunk({ role: 'assistant', content: '', refusal: null }, null)),
    ...answer.deltas.map((content) => sseEvent(chunk({ content }, null))),
    sseEvent(chunk({}, 'stop')),
    ...(includeUsage ? [sseEvent({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: chatUsage(answer) })] : []),
    sseEvent('[DONE]'),
  ]
  return sseResponse(events)
}

function responseUsage(answer: MockAnswer) {
  return {
    input_tokens: answer.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: answer.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: answer.inputTokens + answer.outputTokens,
  }
}

export function response(json: Record<string, unknown>, model: string): Response {
  const answer = answerTo(json)
  const id = mockId('resp_mock')
  const messageId = mockId('msg_mock')
  const createdAt = seconds()
  const part = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] })
  const item = (status: string, content: unknown[]) => ({ id: messageId, type: 'message', status, role: 'assistant', content })
  const envelope = (status: string, output: unknown[], usage: unknown) => ({
    id,
    object: 'response',
    created_at: createdAt,
    status,
    error: null,
    incomplete_details: null,
    instructions: typeof json.instructions === 'string' ? json.instructions : null,
    max_output_tokens: typeof json.max_output_tokens === 'number' ? json.max_output_tokens : null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    temperature: 1,
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage,
    metadata: {},
  })
  const done = envelope('completed', [item('completed', [part(answer.text)])], responseUsage(answer))
  if (json.stream !== true) return jsonResponse(done)

  let sequence = 0
  const event = (type: string, fields: Record<string, unknown>) => sseEvent({ type, sequence_number: sequence++, ...fields }, type)
  const where = { item_id: messageId, output_index: 0, content_index: 0 }
  const events = [
    event('response.created', { response: envelope('in_progress', [], null) }),
    event('response.in_progress', { response: envelope('in_progress', [], null) }),
    event('response.output_item.added', { output_index: 0, item: item('in_progress', []) }),
    event('response.content_part.added', { ...where, part: part('') }),
    ...answer.deltas.map((delta) => event('response.output_text.delta', { ...where, delta, logprobs: [] })),
    event('response.output_text.done', { ...where, text: answer.text, logprobs: [] }),
    event('response.content_part.done', { ...where, part: part(answer.text) }),
    event('response.output_item.done', { output_index: 0, item: item('completed', [part(answer.text)]) }),
    event('response.completed', { response: done }),
  ]
  return sseResponse(events)
}

function littleEndianBase64(vector: Float32Array): string {
  const bytes = new Uint8Array(vector.length * 4)
  const view = new DataView(bytes.buffer)
  vector.forEach((value, i) => view.setFloat32(i * 4, value, true))
  return Buffer.from(bytes).toString('base64')
}

export function embeddings(json: Record<string, unknown>, model: string): Response {
  const { texts, tokens } = embeddingInputs(json.input)
  if (texts.length === 0) return openAIError(400, "'input' must be a string, an array of strings or an array of token arrays", null)
  const requested = json.dimensions
  const dimensions = typeof requested === 'number' && Number.isInteger(requested) ? requested : DEFAULT_DIMENSIONS
  if (dimensions < 1 || dimensions > MAX_DIMENSIONS) return openAIError(400, `'dimensions' must be from 1 to ${MAX_DIMENSIONS}`, null)
  if (texts.length > MAX_INPUTS) return openAIError(400, `'input' may hold at most ${MAX_INPUTS} items`, null)
  if (texts.length * dimensions > MAX_VALUES) return openAIError(400, `inputs × dimensions must be at most ${MAX_VALUES}`, null)
  // The official SDK asks for base64 unless the caller chose floats, and decodes it itself.
  const base64 = json.encoding_format === 'base64'
  return jsonResponse({
    object: 'list',
    data: texts.map((text, index) => {
      const vector = embeddingOf(text, dimensions)
      return { object: 'embedding', index, embedding: base64 ? littleEndianBase64(vector) : Array.from(vector) }
    }),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  })
}

const modelObject = (id: string) => ({ id, object: 'model', created: 1_767_225_600, owned_by: 'sociaro-mock' })

export function models(): Response {
  return jsonResponse({ object: 'list', data: MOCK_MODELS.map(modelObject) })
}

/** Any model exists on the mock, as every model name is accepted. */
export function model(id: string): Response {
  return jsonResponse(modelObject(id))
}
