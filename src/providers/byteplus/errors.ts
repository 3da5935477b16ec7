// Gateway errors in BytePlus ModelArk's shape (`{error:{code,message,param,type}}`, the request id in the message).
import type { GatewayError } from '../../errors/gateway-error.ts'
import type { ErrorFormat, ErrorKind } from '../dialect.ts'

const BYTEPLUS: Record<ErrorKind, { type: string; code: string }> = {
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

export const byteplusErrors: ErrorFormat = {
  id: 'byteplus',
  body: (error, kind, requestId) => ({
    error: { code: BYTEPLUS_CODE[error.code] ?? BYTEPLUS[kind].code, message: `${error.message} Request ID: ${requestId}`, param: '', type: BYTEPLUS[kind].type },
  }),
}
