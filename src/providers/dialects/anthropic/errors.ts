// Gateway errors in Anthropic's shape (`{type:"error",error:{type,message},request_id}`), which the Anthropic SDKs read.
import type { ErrorFormat, ErrorKind } from '../../dialect.ts'

const ANTHROPIC_TYPE: Record<ErrorKind, string> = {
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

export const anthropicErrors: ErrorFormat = {
  id: 'anthropic',
  body: (error, kind, requestId) => ({ type: 'error', error: { type: ANTHROPIC_TYPE[kind], message: error.message }, request_id: requestId }),
}
