// Splits an incoming request target into provider name, upstream path and query, and builds the upstream URL safely.

export interface RequestTarget {
  /** First path segment: the provider id or alias. */
  readonly provider: string
  /** The rest of the path, still percent-encoded, always starting with "/". */
  readonly path: string
  /** The raw query string without "?", or "". */
  readonly query: string
}

/** Reads the target from the raw URL string: no URL parsing on the hot path, no re-encoding of the client's path. */
export function parseRequestTarget(url: string): RequestTarget | undefined {
  const schemeEnd = url.indexOf('://')
  const pathStart = url.indexOf('/', schemeEnd < 0 ? 0 : schemeEnd + 3)
  if (pathStart < 0) return undefined
  const queryStart = url.indexOf('?', pathStart)
  const hashStart = url.indexOf('#', pathStart)
  const pathEnd = queryStart >= 0 ? queryStart : hashStart >= 0 ? hashStart : url.length
  const fullPath = url.slice(pathStart, pathEnd)
  const query = queryStart >= 0 ? url.slice(queryStart + 1, hashStart > queryStart ? hashStart : url.length) : ''
  const segmentEnd = fullPath.indexOf('/', 1)
  const provider = fullPath.slice(1, segmentEnd < 0 ? fullPath.length : segmentEnd)
  const path = segmentEnd < 0 ? '/' : fullPath.slice(segmentEnd)
  return { provider, path, query }
}

/**
 * A path is safe when no segment can climb out of the base path once the upstream decodes it:
 * no `.`/`..` segments (plain or encoded), no backslashes, no encoded slashes, no control characters.
 * The origin itself can never change because the URL is built by concatenation onto a fixed origin.
 */
export function isSafeUpstreamPath(path: string): boolean {
  if (!path.startsWith('/')) return false
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    return false
  }
  if (/[\u0000-\u001f\u007f\\]/.test(decoded)) return false
  if (/%2f|%5c/i.test(path)) return false
  return !decoded.split('/').some((segment) => segment === '.' || segment === '..')
}

/** Removes `key=` parameters (Gemini's query-string API key) and keeps every other byte of the query as sent. */
export function withoutQueryKey(query: string): string {
  if (!query.includes('key=')) return query
  return query
    .split('&')
    .filter((part) => !(part === 'key' || part.startsWith('key=')))
    .join('&')
}

export function queryKey(query: string): string | undefined {
  for (const part of query.split('&')) {
    if (part.startsWith('key=')) {
      try {
        return decodeURIComponent(part.slice(4).replace(/\+/g, ' '))
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

/** `base` is an origin plus optional path prefix, validated at start-up; `path` passed isSafeUpstreamPath. */
export function buildUpstreamUrl(base: string, path: string, query: string): string {
  return query ? `${base}${path}?${query}` : `${base}${path}`
}
