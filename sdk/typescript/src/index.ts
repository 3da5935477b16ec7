// sociaro: the TypeScript client for the Sociaro AI gateway (`import { Sociaro } from 'sociaro'`).
export { Completions, DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, Embeddings, Jobs, Models, modelPath, Responses, Sociaro } from './client.ts'
export type { ClientOptions, RequestOptions } from './client.ts'
export {
  APIConnectionError,
  APIError,
  APIStatusError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  SociaroError,
  UnprocessableEntityError,
} from './errors.ts'
export type { ErrorObject } from './errors.ts'
export { retryDelayMs, serverDelayMs, shouldRetryStatus } from './retry.ts'
export { events as serverSentEvents, type ServerSentEvent } from './sse.ts'
export { Stream } from './streaming.ts'
export type * from './types.ts'
export { VERSION } from './version.ts'
import { Sociaro as DefaultClient } from './client.ts'
export default DefaultClient
