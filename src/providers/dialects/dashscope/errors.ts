// Gateway errors in DashScope's native shape (`{code,message,request_id}`), which the DashScope SDKs read.
import type { ErrorFormat, ErrorKind } from '../../dialect.ts'

const DASHSCOPE_CODE: Record<ErrorKind, string> = {
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

export const dashscopeErrors: ErrorFormat = {
  id: 'dashscope',
  body: (error, kind, requestId) => ({ code: DASHSCOPE_CODE[kind], message: error.message, request_id: requestId }),
}
