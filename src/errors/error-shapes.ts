// Renders a GatewayError in each provider's own error body, so every official SDK raises its usual error class.
import type { ErrorShape } from '../types/error-shape.ts'
import { CODE_INFO, type GatewayError } from './gateway-error.ts'

type Kind = (typeof CODE_INFO)[keyof typeof CODE_INFO]['kind']

const OPENAI_TYPE: Record<Kind, string> = {
  auth: 'invalid_request_error',
  permission: 'invalid_request_error',
  not_found: 'invalid_request_error',
  invalid: 'invalid_request_error',
  too_large: 'invalid_request_error',
  rate: 'rate_limit_error',
  quota: 'insufficient_quota',
  upstream: 'api_error',
  timeout: 'api_error',
  unavailable: 'api_error',
}

/** OpenAI's own codes where one exists (`invalid_api_key`, `insufficient_quota`, `rate_limit_exceeded`). */
const OPENAI_CODE: Partial<Record<GatewayError['code'], string>> = {
  missing_key: 'invalid_api_key',
  invalid_key: 'invalid_api_key',
  revoked_key: 'invalid_api_key',
  expired_key: 'invalid_api_key',
  rate_limited: 'rate_limit_exceeded',
  concurrency_limited: 'rate_limit_exceeded',
  budget_exceeded: 'insufficient_quota',
}

const ANTHROPIC_TYPE: Record<Kind, string> = {
  auth: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  invalid: 'invalid_request_error',
  too_large: 'request_too_large',
  rate: 'rate_limit_error',
  quota: 'rate_limit_error',
  upstream: 'api_error',
  timeout: 'timeout_error',
  unavailable: 'api_error',
}

/** google.rpc.Code names, as Gemini reports them. */
const GOOGLE_STATUS: Record<Kind, string> = {
  auth: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  invalid: 'INVALID_ARGUMENT',
  too_large: 'INVALID_ARGUMENT',
  rate: 'RESOURCE_EXHAUSTED',
  quota: 'RESOURCE_EXHAUSTED',
  upstream: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
  unavailable: 'UNAVAILABLE',
}

const DASHSCOPE_CODE: Record<Kind, string> = {
  auth: 'InvalidApiKey',
  permission: 'AccessDenied',
  not_found: 'NotFound',
  invalid: 'InvalidParameter',
  too_large: 'BadRequest.TooLarge',
  rate: 'Throttling.RateQuota',
  quota: 'Throttling.AllocationQuota',
  upstream: 'InternalError',
  timeout: 'RequestTimeOut',
  unavailable: 'ServiceUnavailable',
}

const BYTEPLUS: Record<Kind, { type: string; code: string }> = {
  auth: { type: 'Unauthorized', code: 'AuthenticationError' },
  permission: { type: 'Forbidden', code: 'AccessDenied' },
  not_found: { type: 'NotFound', code: 'InvalidEndpointOrModel.NotFound' },
  invalid: { type: 'BadRequest', code: 'InvalidParameter' },
  too_large: { type: 'BadRequest', code: 'InvalidParameter' },
  rate: { type: 'TooManyRequests', code: 'RateLimitExceeded' },
  quota: { type: 'TooManyRequests', code: 'SetLimitExceeded' },
  upstream: { type: 'InternalServiceError', code: 'InternalServiceError' },
  timeout: { type: 'InternalServiceError', code: 'ServiceTimeout' },
  unavailable: { type: 'ServiceUnavailable', code: 'ServiceUnavailable' },
}

/** BytePlus names a missing task or file differently from a missing model or endpoint. */
const BYTEPLUS_CODE: Partial<Record<GatewayError['code'], string>> = { object_not_found: 'ResourceNotFound' }

export function errorBody(shape: ErrorShape, error: GatewayError, requestId: string): unknown {
  const kind = CODE_INFO[error.code].kind
  const message = error.message
  switch (shape) {
    case 'openai':
      return { error: { message, type: OPENAI_TYPE[kind], param: null, code: OPENAI_CODE[error.code] ?? error.code } }
    case 'anthropic':
      return { type: 'error', error: { type: ANTHROPIC_TYPE[kind], message }, request_id: requestId }
    case 'gemini':
      return { error: { code: error.status, message, status: GOOGLE_STATUS[kind] } }
    case 'dashscope':
      return { code: DASHSCOPE_CODE[kind], message, request_id: requestId }
    case 'byteplus':
      return { error: { code: BYTEPLUS_CODE[error.code] ?? BYTEPLUS[kind].code, message: `${message} Request ID: ${requestId}`, param: '', type: BYTEPLUS[kind].type } }
  }
}

export function errorResponse(shape: ErrorShape, error: GatewayError, requestId: string): Response {
  const headers = new Headers(error.headers)
  headers.set('content-type', 'application/json')
  headers.set('x-sociaro-request-id', requestId)
  if (!CODE_INFO[error.code].retry) headers.set('x-should-retry', 'false')
  return new Response(JSON.stringify(errorBody(shape, error, requestId)), { status: error.status, headers })
}
