// The wire types of the gateway's unified API (OpenAI's format); every object also keeps fields not named here.

/** Any further field a provider sends (or a request may carry) stays reachable. */
export interface Extra {
  [field: string]: unknown
}

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | (string & {})

export interface ChatMessageParam extends Extra {
  role: Role
  content?: string | Array<Extra> | null
  name?: string
  tool_call_id?: string
  tool_calls?: ToolCall[]
}

export interface ToolCall extends Extra {
  id: string
  type: 'function' | (string & {})
  function: { name: string; arguments: string }
}

export interface ChatCompletionCreateParamsBase extends Extra {
  /** `provider/model`, e.g. `openai/gpt-4o` or `openrouter/anthropic/claude-sonnet-4.5`. */
  model: string
  messages: ChatMessageParam[]
  stream?: boolean | null
  stream_options?: { include_usage?: boolean } & Extra
  max_tokens?: number
  max_completion_tokens?: number
  temperature?: number
  top_p?: number
  stop?: string | string[]
  tools?: Extra[]
  tool_choice?: unknown
  response_format?: Extra
  user?: string
}

export interface ChatCompletionCreateParamsNonStreaming extends ChatCompletionCreateParamsBase {
  stream?: false | null
}

export interface ChatCompletionCreateParamsStreaming extends ChatCompletionCreateParamsBase {
  stream: true
}

export interface CompletionUsage extends Extra {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
}

export interface ChatCompletionMessage extends Extra {
  role: 'assistant'
  content: string | null
  refusal?: string | null
  tool_calls?: ToolCall[]
}

export interface ChatCompletion extends Extra {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: Array<{ index: number; message: ChatCompletionMessage; finish_reason: string | null } & Extra>
  usage?: CompletionUsage
  /** The gateway's `x-sociaro-request-id` (not part of the JSON: non-enumerable). */
  readonly _request_id?: string | null
}

export interface ChatCompletionChunk extends Extra {
  id: string
  object: 'chat.completion.chunk'
  created?: number
  model: string
  choices: Array<
    {
      index: number
      delta: { role?: string; content?: string | null; tool_calls?: Array<Partial<ToolCall> & { index?: number }> } & Extra
      finish_reason: string | null
    } & Extra
  >
  usage?: CompletionUsage | null
}

export interface EmbeddingCreateParams extends Extra {
  model: string
  input: string | string[] | number[] | number[][]
  encoding_format?: 'float' | 'base64'
  dimensions?: number
}

export interface CreateEmbeddingResponse extends Extra {
  object: 'list'
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string } & Extra>
  model: string
  usage: { prompt_tokens: number; total_tokens: number } & Extra
  readonly _request_id?: string | null
}

export interface ResponseCreateParamsBase extends Extra {
  model: string
  input?: string | Extra[]
  instructions?: string
  stream?: boolean | null
  max_output_tokens?: number
}

export interface ResponseCreateParamsNonStreaming extends ResponseCreateParamsBase {
  stream?: false | null
}

export interface ResponseCreateParamsStreaming extends ResponseCreateParamsBase {
  stream: true
}

export interface ResponseOutputItem extends Extra {
  type: string
  role?: string
  content?: Array<{ type: string; text?: string } & Extra>
}

export interface ResponseObject extends Extra {
  id: string
  object: 'response'
  status: string
  model: string
  output: ResponseOutputItem[]
  usage?: ({ input_tokens: number; output_tokens: number; total_tokens: number } & Extra) | null
  readonly _request_id?: string | null
}

/** One typed event of a streamed response (`response.created`, `response.output_text.delta`, …). */
export interface ResponseStreamEvent extends Extra {
  type: string
  delta?: string
  response?: ResponseObject
}

export interface ModelPricing extends Extra {
  input_per_million_usd: number | null
  output_per_million_usd: number | null
}

export interface Model extends Extra {
  /** `provider/model`. */
  id: string
  object: 'model'
  owned_by: string
  pricing?: ModelPricing
  readonly _request_id?: string | null
}

export interface ModelList extends Extra {
  object: 'list'
  data: Model[]
  readonly _request_id?: string | null
}

/** `GET /v1/me`: the calling key only. */
export interface KeyInfo extends Extra {
  name: string | null
  organization: unknown
  allowed_models: string[] | null
  limits: Extra
  readonly _request_id?: string | null
}

export interface UsageParams {
  /** ISO date or date-time (inclusive), or a Date. */
  from?: string | Date
  to?: string | Date
  group_by?: 'day' | 'model'
}

export interface UsageReport extends Extra {
  data: Extra[]
  readonly _request_id?: string | null
}
