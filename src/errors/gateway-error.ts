// The errors the gateway itself produces: a closed set of codes, each with its HTTP status and retry advice.

export type GatewayErrorCode =
  | 'missing_key'
  | 'invalid_key'
  | 'revoked_key'
  | 'expired_key'
  | 'model_not_allowed'
  | 'unknown_provider'
  /** A path no route serves at all (e.g. `/openai` with nothing after it). */
  | 'not_found'
  | 'model_unreadable'
  /** The unified endpoint's `model` is not `provider/model` with a provider that serves the endpoint. */
  | 'invalid_model'
  /** A model the unified endpoint's listing does not hold for this key. */
  | 'model_not_found'
  /** A query parameter of a gateway-answered endpoint (GET /v1/me/usage) that is not valid. */
  | 'invalid_parameter'
  /** A gateway-answered read (the key's usage report) that could not be completed. */
  | 'read_failed'
  | 'invalid_path'
  | 'body_too_large'
  | 'no_credential'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'rate_limited'
  | 'concurrency_limited'
  | 'budget_exceeded'
  | 'shutting_down'
  /** A provider object (file, batch, task, …) that the caller's organization does not own, or that does not exist. */
  | 'object_not_found'
  /** An endpoint whose objects the gateway cannot scope to an organization, refused while several organizations exist. */
  | 'endpoint_not_isolated'
  /** A JSON body the gateway cannot read within its bounds: object ids nested beyond its bound, or more JSON values than it parses. */
  | 'body_unreadable'

interface CodeInfo {
  status: number
  /** False where a retry cannot succeed: the SDKs read `x-should-retry`. */
  retry: boolean
  kind: 'auth' | 'permission' | 'not_found' | 'invalid' | 'too_large' | 'rate' | 'quota' | 'upstream' | 'timeout' | 'unavailable'
}

export const CODE_INFO: Record<GatewayErrorCode, CodeInfo> = {
  missing_key: { status: 401, retry: false, kind: 'auth' },
  invalid_key: { status: 401, retry: false, kind: 'auth' },
  revoked_key: { status: 401, retry: false, kind: 'auth' },
  expired_key: { status: 401, retry: false, kind: 'auth' },
  model_not_allowed: { status: 403, retry: false, kind: 'permission' },
  unknown_provider: { status: 404, retry: false, kind: 'not_found' },
  not_found: { status: 404, retry: false, kind: 'not_found' },
  model_unreadable: { status: 400, retry: false, kind: 'invalid' },
  invalid_model: { status: 400, retry: false, kind: 'invalid' },
  model_not_found: { status: 404, retry: false, kind: 'not_found' },
  invalid_parameter: { status: 400, retry: false, kind: 'invalid' },
  read_failed: { status: 503, retry: true, kind: 'unavailable' },
  invalid_path: { status: 400, retry: false, kind: 'invalid' },
  body_too_large: { status: 413, retry: false, kind: 'too_large' },
  no_credential: { status: 503, retry: false, kind: 'unavailable' },
  upstream_unreachable: { status: 502, retry: true, kind: 'upstream' },
  upstream_timeout: { status: 504, retry: true, kind: 'timeout' },
  rate_limited: { status: 429, retry: true, kind: 'rate' },
  concurrency_limited: { status: 429, retry: true, kind: 'rate' },
  budget_exceeded: { status: 429, retry: false, kind: 'quota' },
  shutting_down: { status: 503, retry: true, kind: 'unavailable' },
  object_not_found: { status: 404, retry: false, kind: 'not_found' },
  endpoint_not_isolated: { status: 403, retry: false, kind: 'permission' },
  body_unreadable: { status: 400, retry: false, kind: 'invalid' },
}

export class GatewayError extends Error {
  override name = 'GatewayError'
  readonly status: number

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.status = CODE_INFO[code].status
  }
}
