// The one error type outside the proxy (config, store, usage, admin, CLI): a stable code, its HTTP status and a message, in one JSON shape.

/** Every code, with the status it answers with over HTTP; the CLI prints the message and exits non-zero. */
export const SERVICE_ERROR_STATUS = {
  invalid: 400,
  unauthorized: 401,
  /** Signed in, but the role or scope does not allow it (a viewer changing a key, a missing CSRF token). */
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  /** Too many attempts (dashboard sign-in): try again later. */
  rate_limited: 429,
  internal: 500,
  database_unavailable: 503,
  /** The environment or config file is wrong: found at start-up, before anything is served. */
  invalid_config: 500,
  /** The command line is wrong (the CLI exits with status 2). */
  invalid_usage: 400,
  /** The listen address is taken by another process. */
  address_in_use: 500,
} as const

export type ServiceErrorCode = keyof typeof SERVICE_ERROR_STATUS
export const SERVICE_ERROR_CODES = Object.keys(SERVICE_ERROR_STATUS) as [ServiceErrorCode, ...ServiceErrorCode[]]

export class ServiceError extends Error {
  override name = 'ServiceError'
  readonly status: number

  constructor(
    readonly code: ServiceErrorCode,
    message: string,
  ) {
    super(message)
    this.status = SERVICE_ERROR_STATUS[code]
  }
}

/** The one JSON shape every service error takes: the admin API's answers and `--json` output alike. */
export function serviceErrorBody(error: ServiceError): { error: { type: ServiceErrorCode; message: string } } {
  return { error: { type: error.code, message: error.message } }
}

/** The one place a service error becomes an HTTP answer. */
export function serviceErrorResponse(error: ServiceError, headers?: Record<string, string>): Response {
  return Response.json(serviceErrorBody(error), { status: error.status, ...(headers ? { headers } : {}) })
}
