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

/** USD per million tokens (null where unknown), as this key's organization is charged. */
export interface ModelPricing extends Extra {
  input_per_million_usd: number | null
  output_per_million_usd: number | null
  per_image_usd?: number
  per_video_second_usd?: number
  /** `list`: the published price; `override`: the operator's price for this caller (global or the organization's). */
  source: 'list' | 'override'
}

export interface Model extends Extra {
  /** `provider/model`. */
  id: string
  object: 'model'
  owned_by: string
  pricing?: ModelPricing
  context_window?: number
  readonly _request_id?: string | null
}

export interface ModelList extends Extra {
  object: 'list'
  data: Model[]
  readonly _request_id?: string | null
}

/** `GET /v1/me`: the calling key only. */
export interface KeyInfo extends Extra {
  object: 'key'
  id: string
  name: string | null
  prefix: string
  last4: string
  organization: { id: string; name: string } & Extra
  /** Patterns (`openai/gpt-4o*`); null: every model. */
  allowed_models: string[] | null
  expires_at: string | null
  created_at: string
  limits: {
    rpm: number | null
    tpm: number | null
    max_concurrency: number | null
    budget_usd: number | null
    budget_period: string | null
    budget_soft_percent: number | null
  } & Extra
  /** The budget's current period (null without a budget). */
  period: { start: string; end: string | null; spend_usd: number; reserved_usd: number; remaining_usd: number } | null
  readonly _request_id?: string | null
}

export interface UsageParams {
  /** ISO date or date-time (inclusive), or a Date. */
  from?: string | Date
  to?: string | Date
  group_by?: 'day' | 'model'
}

/** One group's sums (the usage rollups' columns: requests, tokens, cost). */
export interface UsageSums extends Extra {
  requests: number
  input_tokens: number
  output_tokens: number
  cost_micros: number
  cost_usd: number
}

export interface UsageRow extends UsageSums {
  /** group_by "day": the organization's local date (YYYY-MM-DD, in `time_zone`) and the instant it starts. */
  day?: string
  starts_at?: string
  /** group_by "model": `provider/model`. */
  model?: string
}

export interface UsageReport extends Extra {
  object: 'usage'
  group_by: 'day' | 'model'
  /** The organization's reporting time zone: the one `day` rows are days of. */
  time_zone: string
  from: string
  to: string
  data: UsageRow[]
  totals: UsageSums
  readonly _request_id?: string | null
}

/** A job's normalised status (the provider's own word is `raw_status`). */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'expired' | 'unknown'

/** One of this key's async provider jobs (a batch, a video task, …), as `GET /v1/jobs` answers it. */
export interface Job extends Extra {
  /** The gateway's id (`job_…`), for `jobs.retrieve`. */
  id: string
  provider: string
  /** The id the provider gave the job. */
  provider_job_id: string
  model: string | null
  /** What was submitted: `batch`, `video`, … (the provider module names it). */
  kind: string
  status: JobStatus
  raw_status: string | null
  created_at: string
  updated_at: string
  finished_at: string | null
  /** When the provider deletes the job's results, when it says. */
  result_expires_at: string | null
  /** Held against the key's budget while the job runs; null when nothing was reserved. */
  reserved_usd: number | null
  /** The settled cost; null while running, or when unpriced (`cost_status: "unpriced"`: never $0 for unknown). */
  cost_usd: number | null
  cost_status: 'priced' | 'unpriced' | (string & {}) | null
  /** The job's usage was settled (billed once, or found free). */
  settled: boolean
  readonly _request_id?: string | null
}

export interface JobListParams {
  status?: JobStatus
  /** 1 to 200; the gateway's default is 50. */
  limit?: number
  /** `next_cursor` of the previous page. */
  cursor?: string
}

/** One page of this key's jobs, newest first; `next_cursor` is null on the last page. */
export interface JobList extends Extra {
  object: 'list'
  data: Job[]
  next_cursor: string | null
  readonly _request_id?: string | null
}
