// The Sociaro client: configuration, one fetch per attempt with timeouts, the retry loop, and the endpoint namespaces.
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  SociaroError,
  statusError,
  type APIError,
} from './errors.ts'
import { retryDelayMs, shouldRetryStatus } from './retry.ts'
import { Stream } from './streaming.ts'
import type {
  Job,
  JobList,
  JobListParams,
  JobStatus,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  CreateEmbeddingResponse,
  EmbeddingCreateParams,
  KeyInfo,
  Model,
  ModelList,
  ResponseCreateParamsBase,
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
  ResponseObject,
  ResponseStreamEvent,
  UsageParams,
  UsageReport,
} from './types.ts'

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080'
export const DEFAULT_TIMEOUT_MS = 600_000
export const DEFAULT_MAX_RETRIES = 2
/** An error answer is read whole to parse it; a hostile or broken server cannot make the SDK buffer more. */
const MAX_ERROR_BODY = 1 << 20

export interface ClientOptions {
  /** Defaults to `SOCIARO_API_KEY` where a `process.env` exists (Node, Bun). */
  apiKey?: string
  /** Defaults to `SOCIARO_BASE_URL`, then `http://127.0.0.1:8080`. */
  baseURL?: string
  /** Milliseconds for an answer's headers and whole JSON body, and between two chunks of a stream (600 000). */
  timeout?: number
  /** Retries after the first attempt (2). */
  maxRetries?: number
  defaultHeaders?: Record<string, string>
  /** Another fetch implementation (a proxy agent, a test double); the global fetch by default. */
  fetch?: typeof fetch
  /** Browsers only: the key is visible to the page's users; set this to acknowledge it. */
  dangerouslyAllowBrowser?: boolean
}

export interface RequestOptions {
  timeout?: number
  maxRetries?: number
  signal?: AbortSignal
  headers?: Record<string, string>
}

interface RequestSpec {
  method: 'GET' | 'POST'
  path: string
  query?: Record<string, string | undefined>
  body?: unknown
  stream?: boolean
  options?: RequestOptions
}

/** One failed attempt: the error to throw if no retry is left, and the headers that may say when to retry. */
class FailedAttempt {
  constructor(
    readonly error: APIError,
    readonly retryable: boolean,
    readonly headers: Headers | null,
  ) {}
}

function environment(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  return env?.[name] || undefined
}

export class Sociaro {
  readonly apiKey: string
  readonly baseURL: string
  readonly timeout: number
  readonly maxRetries: number
  readonly chat: { readonly completions: Completions }
  readonly embeddings: Embeddings
  readonly responses: Responses
  readonly models: Models
  readonly jobs: Jobs
  private readonly defaultHeaders: Record<string, string>
  private readonly fetchImpl: typeof fetch

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? environment('SOCIARO_API_KEY')
    if (!apiKey) {
      throw new SociaroError(
        'The apiKey client option must be set either by passing apiKey to the client or by setting the SOCIARO_API_KEY environment variable',
      )
    }
    const inBrowser = typeof (globalThis as { document?: unknown }).document !== 'undefined'
    if (inBrowser && !options.dangerouslyAllowBrowser) {
      throw new SociaroError('Running in a browser exposes the gateway key to the page; pass dangerouslyAllowBrowser: true if that is intended.')
    }
    const baseURL = (options.baseURL ?? environment('SOCIARO_BASE_URL') ?? DEFAULT_BASE_URL).trim()
    let parsed: URL
    try {
      parsed = new URL(baseURL)
    } catch {
      throw new SociaroError(`baseURL must be an http:// or https:// URL, got ${JSON.stringify(baseURL)}`)
    }
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search || parsed.hash) {
      throw new SociaroError(`baseURL must be an http:// or https:// URL without a query, got ${JSON.stringify(baseURL)}`)
    }
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new SociaroError('maxRetries must be an integer, 0 or more')
    if (!(timeout > 0)) throw new SociaroError('timeout must be a positive number of milliseconds')
    this.apiKey = apiKey
    this.baseURL = baseURL.replace(/\/+$/, '')
    this.timeout = timeout
    this.maxRetries = maxRetries
    this.defaultHeaders = lowerCased(options.defaultHeaders ?? {})
    const fetchImpl = options.fetch ?? globalThis.fetch
    if (typeof fetchImpl !== 'function') throw new SociaroError('No fetch is available; pass one as the fetch option.')
    this.fetchImpl = fetchImpl
    this.chat = { completions: new Completions(this) }
    this.embeddings = new Embeddings(this)
    this.responses = new Responses(this)
    this.models = new Models(this)
    this.jobs = new Jobs(this)
  }

  /** `GET /v1/me`: this key's name, organization, allowed models, limits, current-period spend and remaining budget. */
  me(options?: RequestOptions): Promise<KeyInfo> {
    return this.request({ method: 'GET', path: '/v1/me', ...(options ? { options } : {}) }) as Promise<KeyInfo>
  }

  /** `GET /v1/me/usage?from=&to=&group_by=day|model`: this key's own usage. */
  usage(params: UsageParams = {}, options?: RequestOptions): Promise<UsageReport> {
    if (params.group_by !== undefined && params.group_by !== 'day' && params.group_by !== 'model') {
      return Promise.reject(new SociaroError("group_by must be 'day' or 'model'"))
    }
    const query = { from: dateText(params.from), to: dateText(params.to), group_by: params.group_by }
    return this.request({ method: 'GET', path: '/v1/me/usage', query, ...(options ? { options } : {}) }) as Promise<UsageReport>
  }

  /** @internal The retry loop around one logical request; the namespaces call it. */
  async request(spec: RequestSpec): Promise<unknown> {
    const options = spec.options ?? {}
    const maxRetries = options.maxRetries ?? this.maxRetries
    let retriesLeft = maxRetries
    for (;;) {
      if (options.signal?.aborted) throw new APIUserAbortError()
      const outcome = await this.attempt(spec, options)
      if (!(outcome instanceof FailedAttempt)) return outcome
      if (retriesLeft <= 0 || !outcome.retryable) throw outcome.error
      await sleep(retryDelayMs(retriesLeft, maxRetries, outcome.headers), options.signal)
      retriesLeft--
    }
  }

  private url(path: string, query: Record<string, string | undefined> = {}): string {
    const search = new URLSearchParams()
    for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, value)
    const encoded = search.toString()
    return `${this.baseURL}${path}${encoded ? `?${encoded}` : ''}`
  }

  private headers(spec: RequestSpec, options: RequestOptions): Record<string, string> {
    return {
      authorization: `Bearer ${this.apiKey}`,
      accept: spec.stream ? 'text/event-stream' : 'application/json',
      ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...this.defaultHeaders,
      ...lowerCased(options.headers ?? {}),
    }
  }

  /** One fetch: a result, a Stream, or a FailedAttempt saying whether it may be retried. */
  private async attempt(spec: RequestSpec, options: RequestOptions): Promise<unknown> {
    const timeoutMs = options.timeout ?? this.timeout
    const controller = new AbortController()
    const onUserAbort = () => controller.abort()
    options.signal?.addEventListener('abort', onUserAbort, { once: true })
    const release = () => options.signal?.removeEventListener('abort', onUserAbort)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
    const broken = (cause: unknown): FailedAttempt | never => {
      if (options.signal?.aborted) throw new APIUserAbortError()
      if (timedOut) return new FailedAttempt(new APITimeoutError(), true, null)
      return new FailedAttempt(new APIConnectionError(`Connection error: ${(cause as Error)?.message ?? cause}`, { cause }), true, null)
    }
    let handedToStream = false
    try {
      let response: Response
      try {
        response = await this.fetchImpl(this.url(spec.path, spec.query), {
          method: spec.method,
          headers: this.headers(spec, options),
          ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
          signal: controller.signal,
        })
      } catch (cause) {
        return broken(cause)
      }
      const requestID = response.headers.get('x-sociaro-request-id') || response.headers.get('x-request-id')
      if (!response.ok) {
        let text: string
        try {
          text = await readCapped(response, MAX_ERROR_BODY)
        } catch (cause) {
          return broken(cause)
        }
        const error = statusError(response.status, response.headers, parseMaybe(text), requestID)
        return new FailedAttempt(error, shouldRetryStatus(response.status, response.headers), response.headers)
      }
      if (spec.stream) {
        clearTimeout(timer)
        handedToStream = true
        return new Stream(response, controller, timeoutMs, release)
      }
      let text: string
      try {
        text = await response.text()
      } catch (cause) {
        return broken(cause)
      }
      let data: unknown
      try {
        data = JSON.parse(text)
      } catch {
        return new FailedAttempt(new APIConnectionError(`The gateway's answer is not JSON: ${text.slice(0, 200)}`), false, null)
      }
      if (typeof data === 'object' && data !== null) {
        Object.defineProperty(data, '_request_id', { value: requestID, enumerable: false, configurable: true })
      }
      return data
    } finally {
      clearTimeout(timer)
      if (!handedToStream) release()
    }
  }
}

export class Completions {
  constructor(private readonly client: Sociaro) {}

  /** `POST /v1/chat/completions`; with `stream: true`, a Stream of `chat.completion.chunk` objects. */
  create(body: ChatCompletionCreateParamsNonStreaming, options?: RequestOptions): Promise<ChatCompletion>
  create(body: ChatCompletionCreateParamsStreaming, options?: RequestOptions): Promise<Stream<ChatCompletionChunk>>
  create(body: ChatCompletionCreateParamsBase, options?: RequestOptions): Promise<ChatCompletion | Stream<ChatCompletionChunk>>
  create(body: ChatCompletionCreateParamsBase, options?: RequestOptions): Promise<ChatCompletion | Stream<ChatCompletionChunk>> {
    return this.client.request({ method: 'POST', path: '/v1/chat/completions', body, stream: body.stream === true, ...(options ? { options } : {}) }) as Promise<
      ChatCompletion | Stream<ChatCompletionChunk>
    >
  }
}

export class Embeddings {
  constructor(private readonly client: Sociaro) {}

  /** `POST /v1/embeddings`. */
  create(body: EmbeddingCreateParams, options?: RequestOptions): Promise<CreateEmbeddingResponse> {
    return this.client.request({ method: 'POST', path: '/v1/embeddings', body, ...(options ? { options } : {}) }) as Promise<CreateEmbeddingResponse>
  }
}

export class Responses {
  constructor(private readonly client: Sociaro) {}

  /** `POST /v1/responses`; with `stream: true`, a Stream of typed events (`response.output_text.delta`, …). */
  create(body: ResponseCreateParamsNonStreaming, options?: RequestOptions): Promise<ResponseObject>
  create(body: ResponseCreateParamsStreaming, options?: RequestOptions): Promise<Stream<ResponseStreamEvent>>
  create(body: ResponseCreateParamsBase, options?: RequestOptions): Promise<ResponseObject | Stream<ResponseStreamEvent>>
  create(body: ResponseCreateParamsBase, options?: RequestOptions): Promise<ResponseObject | Stream<ResponseStreamEvent>> {
    return this.client.request({ method: 'POST', path: '/v1/responses', body, stream: body.stream === true, ...(options ? { options } : {}) }) as Promise<
      ResponseObject | Stream<ResponseStreamEvent>
    >
  }
}

export class Models {
  constructor(private readonly client: Sociaro) {}

  /** `GET /v1/models`: the `provider/model` names this key may use, with prices where known. */
  list(options?: RequestOptions): Promise<ModelList> {
    return this.client.request({ method: 'GET', path: '/v1/models', ...(options ? { options } : {}) }) as Promise<ModelList>
  }

  /** `GET /v1/models/{provider}/{model}`. */
  retrieve(model: string, options?: RequestOptions): Promise<Model> {
    let path: string
    try {
      path = modelPath(model)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.client.request({ method: 'GET', path: `/v1/models/${path}`, ...(options ? { options } : {}) }) as Promise<Model>
  }
}

const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'canceled', 'expired', 'unknown']

export class Jobs {
  constructor(private readonly client: Sociaro) {}

  /** `GET /v1/jobs?status=&limit=&cursor=`: one page of this key's async jobs, newest first. */
  list(params: JobListParams = {}, options?: RequestOptions): Promise<JobList> {
    if (params.status !== undefined && !JOB_STATUSES.includes(params.status)) {
      return Promise.reject(new SociaroError(`status must be one of ${JOB_STATUSES.join(', ')}`))
    }
    if (params.limit !== undefined && !(Number.isInteger(params.limit) && params.limit >= 1 && params.limit <= 200)) {
      return Promise.reject(new SociaroError('limit must be a whole number from 1 to 200'))
    }
    const query = { status: params.status, limit: params.limit === undefined ? undefined : String(params.limit), cursor: params.cursor }
    return this.client.request({ method: 'GET', path: '/v1/jobs', query, ...(options ? { options } : {}) }) as Promise<JobList>
  }

  /** Every job of this key matching `params`, page after page (each page one request). */
  async *listAll(params: Omit<JobListParams, 'cursor'> = {}, options?: RequestOptions): AsyncGenerator<Job, void, undefined> {
    let cursor: string | undefined
    do {
      const page = await this.list({ ...params, ...(cursor ? { cursor } : {}) }, options)
      yield* page.data
      cursor = page.next_cursor ?? undefined
    } while (cursor)
  }

  /** `GET /v1/jobs/{id}`: one of this key's jobs (404 for any other key's, as for one that does not exist). */
  retrieve(id: string, options?: RequestOptions): Promise<Job> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return Promise.reject(new SociaroError(`"${id.slice(0, 64)}" is not a job id (job_…)`))
    return this.client.request({ method: 'GET', path: `/v1/jobs/${id}`, ...(options ? { options } : {}) }) as Promise<Job>
  }
}

/** `openrouter/anthropic/claude-sonnet-4.5` → the same path, each segment percent-encoded; no empty or dot segments. */
export function modelPath(model: string): string {
  const segments = model.split('/')
  if (segments.length < 2 || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new SociaroError(`model must be 'provider/model', got ${JSON.stringify(model)}`)
  }
  return segments.map(encodeURIComponent).join('/')
}

async function readCapped(response: Response, limit: number): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  try {
    while (size < limit) {
      const { done, value } = await reader.read()
      if (done) break
      parts.push(value)
      size += value.byteLength
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  const bytes = new Uint8Array(Math.min(size, limit))
  let offset = 0
  for (const part of parts) {
    const take = Math.min(part.byteLength, bytes.byteLength - offset)
    bytes.set(part.subarray(0, take), offset)
    offset += take
  }
  return new TextDecoder().decode(bytes)
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new APIUserAbortError())
    const onAbort = () => {
      clearTimeout(timer)
      reject(new APIUserAbortError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}

function dateText(value: string | Date | undefined): string | undefined {
  return value instanceof Date ? value.toISOString() : value
}
