// Gateway errors in OpenAI's shape (`{error:{message,type,param,code}}`), which the OpenAI SDKs and their compatibles read.
import type { GatewayError } from '../../../errors/gateway-error.ts'
import type { ErrorFormat, ErrorKind } from '../../dialect.ts'

const OPENAI_TYPE: Record<ErrorKind, string> = {
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

/** The request field an error is about, where the code names one (OpenAI's `param`). */
const OPENAI_PARAM: Partial<Record<GatewayError['code'], string>> = { invalid_model: 'model' }

export const openaiErrors: ErrorFormat = {
  id: 'openai',
  body: (error, kind) => ({
    error: { message: error.message, type: OPENAI_TYPE[kind], param: OPENAI_PARAM[error.code] ?? null, code: OPENAI_CODE[error.code] ?? error.code },
  }),
}
