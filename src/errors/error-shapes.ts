// Renders a GatewayError in a provider's own error format (each dialect or provider defines one), so every official SDK raises its usual error class.
import { CODE_INFO, type GatewayError } from './gateway-error.ts'

/** The kind of a gateway error, which each error format maps to its own type or code. */
export type ErrorKind = (typeof CODE_INFO)[keyof typeof CODE_INFO]['kind']

/** A wire format for errors the gateway itself produces (src/providers/dialects/*\/errors.ts, a provider's own errors.ts). */
export interface ErrorFormat {
  /** A short name, e.g. `openai` (logs and tests). */
  readonly id: string
  /** The JSON body of the answer for `error`; the status comes from the error itself. */
  body(error: GatewayError, kind: ErrorKind, requestId: string): unknown
}

export function errorBody(format: ErrorFormat, error: GatewayError, requestId: string): unknown {
  return format.body(error, CODE_INFO[error.code].kind, requestId)
}

export function errorResponse(format: ErrorFormat, error: GatewayError, requestId: string): Response {
  const headers = new Headers(error.headers)
  headers.set('content-type', 'application/json')
  headers.set('x-sociaro-request-id', requestId)
  if (!CODE_INFO[error.code].retry) headers.set('x-should-retry', 'false')
  return new Response(JSON.stringify(errorBody(format, error, requestId)), { status: error.status, headers })
}
