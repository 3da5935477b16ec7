// The errors the SDK throws: one class per HTTP status family, named as in the Python SDK and the official OpenAI SDK.

/** Every error this SDK throws derives from this class (configuration errors included). */
export class SociaroError extends Error {
  override name = 'SociaroError'
}

/** The inner object of OpenAI's error shape `{"error": {"message", "type", "param", "code"}}`. */
export interface ErrorObject {
  message?: string
  type?: string | null
  param?: string | null
  code?: string | null
  [field: string]: unknown
}

/** A request failed: an error status, a broken connection, a timeout, an abort or an error event in a stream. */
export class APIError extends SociaroError {
  override name = 'APIError'
  /** The parsed error body (JSON, or the text when it is not JSON). */
  readonly body: unknown
  readonly requestID: string | null
  readonly error: ErrorObject | undefined
  readonly code: string | null
  readonly param: string | null
  readonly type: string | null

  constructor(message: string, body?: unknown, requestID: string | null = null) {
    super(message)
    this.body = body
    this.requestID = requestID
    const inner = isRecord(body) && isRecord(body.error) ? (body.error as ErrorObject) : undefined
    this.error = inner
    this.code = text(inner?.code)
    this.param = text(inner?.param)
    this.type = text(inner?.type)
  }
}

/** The gateway answered with a 4xx or 5xx status. */
export class APIStatusError extends APIError {
  override name = 'APIStatusError'
  readonly status: number
  readonly headers: Headers

  constructor(status: number, headers: Headers, body: unknown, requestID: string | null) {
    super(statusMessage(status, body, requestID), body, requestID)
    this.status = status
    this.headers = headers
  }
}

/** 400: malformed request, or a model not in `provider/model` form. */
export class BadRequestError extends APIStatusError {
  override name = 'BadRequestError'
}
/** 401: the key is missing, unknown, revoked or expired. */
export class AuthenticationError extends APIStatusError {
  override name = 'AuthenticationError'
}
/** 403: the key may not use this model or endpoint. */
export class PermissionDeniedError extends APIStatusError {
  override name = 'PermissionDeniedError'
}
/** 404: no such model, provider or route. */
export class NotFoundError extends APIStatusError {
  override name = 'NotFoundError'
}
/** 409: a conflicting request (retried automatically). */
export class ConflictError extends APIStatusError {
  override name = 'ConflictError'
}
/** 422: well formed but cannot be processed. */
export class UnprocessableEntityError extends APIStatusError {
  override name = 'UnprocessableEntityError'
}
/** 429: a rate limit, a concurrency limit or an exhausted budget (`code === 'insufficient_quota'`). */
export class RateLimitError extends APIStatusError {
  override name = 'RateLimitError'
}
/** 5xx: the gateway or the provider failed. */
export class InternalServerError extends APIStatusError {
  override name = 'InternalServerError'
}

/** The gateway could not be reached, or the connection broke before a complete answer. */
export class APIConnectionError extends APIError {
  override name = 'APIConnectionError'
  constructor(message = 'Connection error.', options?: { cause?: unknown }) {
    super(message)
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause
  }
}

/** No answer (or no next chunk of a stream) within the timeout. */
export class APITimeoutError extends APIConnectionError {
  override name = 'APITimeoutError'
  constructor(message = 'Request timed out.') {
    super(message)
  }
}

/** The caller aborted the request through its `signal`. */
export class APIUserAbortError extends APIError {
  override name = 'APIUserAbortError'
  constructor(message = 'Request was aborted.') {
    super(message)
  }
}

type StatusErrorClass = new (status: number, headers: Headers, body: unknown, requestID: string | null) => APIStatusError

const BY_STATUS: Record<number, StatusErrorClass> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
}

export function statusError(status: number, headers: Headers, body: unknown, requestID: string | null): APIStatusError {
  const ErrorClass = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : APIStatusError)
  return new ErrorClass(status, headers, body, requestID)
}

/** The message OpenAI's shape carries, else the body's own message or text, else the status. */
export function errorMessage(status: number | null, body: unknown): string {
  if (isRecord(body)) {
    const error = body.error
    if (isRecord(error) && typeof error.message === 'string') return error.message
    if (typeof error === 'string') return error
    if (typeof body.message === 'string') return body.message
  }
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 2000)
  return status === null ? 'The stream reported an error.' : `HTTP ${status}`
}

function statusMessage(status: number, body: unknown, requestID: string | null): string {
  return `${status} ${errorMessage(status, body)}${requestID ? ` (request id ${requestID})` : ''}`
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value)
}
