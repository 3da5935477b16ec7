// Gateway errors in Google's shape (`{error:{code,message,status}}` with google.rpc.Code names), which the Gemini SDKs read.
import type { ErrorFormat, ErrorKind } from '../../dialect.ts'

const GOOGLE_STATUS: Record<ErrorKind, string> = {
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

export const geminiErrors: ErrorFormat = {
  id: 'gemini',
  body: (error, kind) => ({ error: { code: error.status, message: error.message, status: GOOGLE_STATUS[kind] } }),
}
