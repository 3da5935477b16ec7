// When to retry a failed request and how long to wait: a pure core (status, headers, attempt → decision).

export const INITIAL_DELAY_MS = 500
export const MAX_DELAY_MS = 8_000
/** A server's own wait is honoured up to this long; beyond it (or when absent) the SDK uses its own backoff. */
export const MAX_SERVER_DELAY_MS = 60_000

/** `x-should-retry: true|false` decides when present; otherwise 408, 409, 429 and every 5xx are retried. */
export function shouldRetryStatus(status: number, headers: Headers): boolean {
  const override = headers.get('x-should-retry')?.trim().toLowerCase()
  if (override === 'true') return true
  if (override === 'false') return false
  return status === 408 || status === 409 || status === 429 || status >= 500
}

/** The wait the server asked for, in milliseconds: `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function serverDelayMs(headers: Headers, now: () => number = Date.now): number | null {
  const millis = headers.get('retry-after-ms')
  if (millis !== null && millis.trim() !== '' && Number.isFinite(Number(millis))) return Number(millis)
  const after = headers.get('retry-after')
  if (after === null || after.trim() === '') return null
  if (Number.isFinite(Number(after))) return Number(after) * 1000
  const date = Date.parse(after)
  return Number.isNaN(date) ? null : date - now()
}

/** Milliseconds before the next attempt: the server's wait when sane, else 500 ms doubling up to 8 s, less up to 25 %. */
export function retryDelayMs(
  retriesLeft: number,
  maxRetries: number,
  headers: Headers | null,
  jitter: () => number = Math.random,
  now: () => number = Date.now,
): number {
  const asked = headers ? serverDelayMs(headers, now) : null
  if (asked !== null && asked >= 0 && asked <= MAX_SERVER_DELAY_MS) return asked
  const attempt = maxRetries - retriesLeft
  const backoff = Math.min(INITIAL_DELAY_MS * 2 ** attempt, MAX_DELAY_MS)
  return Math.max(0, backoff * (1 - 0.25 * jitter()))
}
