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

/** RFC 3986 §2.3 unreserved characters: percent-encoding them changes nothing (§6.2.2.2), so they are decoded. */
function isUnreserved(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e
}

/** Characters a canonical path carries as they are: "/", unreserved, sub-delims except ";", ":" and "@" (RFC 3986 pchar). */
const RAW_PATH_CHARS = new Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@/")

/** One or more non-empty segments of raw path characters (no "%", no ";"), or the root alone. */
const PLAIN_PATH = /^(?:\/|(?:\/[A-Za-z0-9\-._~!$&'()*+,=:@]+)+)$/
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/

/**
 * Encoded bytes no upstream may be left to interpret: "/" and "\" (segment boundaries after a decode), ";" (path
 * parameters, which servers strip: `..;` would climb out of the base), and control characters.
 */
function isRefusedEncodedByte(byte: number): boolean {
  return byte === 0x2f || byte === 0x5c || byte === 0x3b || byte < 0x20 || byte === 0x7f
}

/**
 * The one spelling of an upstream path that both the model check and the upstream URL use, or undefined when the
 * path cannot be given one safely (the caller refuses it). Canonical means: percent-encoded unreserved characters
 * decoded (`%6Dodels` is `models`, `%761` is `v1`), every other triplet upper-cased and kept encoded (`%3A` stays
 * `%3A`: it is data, not a Gemini verb separator), only RFC 3986 path characters, and every segment non-empty and
 * not `.` or `..`. Refused: empty segments (`//`, a trailing `/`), `;` in any spelling, encoded `/` or `\`, control
 * characters, malformed triplets or UTF-8, and `%25` before a hex digit (a second decode upstream would see a
 * triplet: `%252e%252e` is `..` to an upstream that decodes twice).
 */
export function canonicalUpstreamPath(path: string): string | undefined {
  // The common case, already canonical: raw path characters only, no empty or dot segment.
  if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path)) return path
  if (!path.startsWith('/')) return undefined
  let canonical = ''
  for (let at = 0; at < path.length; at++) {
    const char = path[at]!
    if (char !== '%') {
      if (!RAW_PATH_CHARS.has(char)) return undefined
      canonical += char
      continue
    }
    const hex = path.slice(at + 1, at + 3)
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined
    at += 2
    const byte = Number.parseInt(hex, 16)
    if (isRefusedEncodedByte(byte)) return undefined
    canonical += isUnreserved(byte) ? String.fromCharCode(byte) : `%${hex.toUpperCase()}`
  }
  if (canonical !== '/') {
    for (const segment of canonical.slice(1).split('/')) {
      if (segment === '' || segment === '.' || segment === '..') return undefined
    }
  }
  if (canonical.includes('%')) {
    // Checked on the result: decoding `%32` and `%65` may be what put hex digits after a `%25`.
    if (/%25[0-9A-Fa-f]/.test(canonical)) return undefined
    try {
      decodeURIComponent(canonical)
    } catch {
      return undefined
    }
  }
  return canonical
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

/** `base` is an origin plus optional path prefix, validated at start-up; `path` is a canonicalUpstreamPath result. */
export function buildUpstreamUrl(base: string, path: string, query: string): string {
  return query ? `${base}${path}?${query}` : `${base}${path}`
}
