// Strict multipart/form-data reader (RFC 7578 / RFC 2046): part boundaries and names, never copying part contents.

/** The body (or its Content-Type) is not multipart the gateway can read unambiguously. */
export class MultipartError extends Error {
  override name = 'MultipartError'
}

export interface MultipartPart {
  /** The `name` parameter of the part's Content-Disposition. */
  readonly name: string
  readonly filename?: string
  /** Byte range of the part's content in the body: [start, end). */
  readonly start: number
  readonly end: number
}

/** Far more parts than any provider's form takes; a body with more is refused rather than walked. */
export const MAX_PARTS = 1_000
/** Part header blocks longer than this are refused (SDKs send well under 512 bytes). */
export const MAX_PART_HEADER_BYTES = 8 * 1024

const HEADER_END = Buffer.from('\r\n\r\n')
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** RFC 2046 bchars: 1 to 70 of them, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true })

export interface MediaType {
  readonly type: string
  /** Lower-case parameter names; each name appears once (a repeated one is refused). */
  readonly params: ReadonlyMap<string, string>
}

/**
 * Parses `type/subtype *(OWS ";" OWS name=(token|quoted-string))` exactly (RFC 9110 §8.3.1). Anything else,
 * a repeated parameter, or a quoted-string with a backslash escape (parsers disagree on them) throws.
 */
export function parseMediaType(value: string, what = 'Content-Type'): MediaType {
  const at = { i: 0 }
  const skipSpace = () => {
    while (value[at.i] === ' ' || value[at.i] === '\t') at.i++
  }
  const readToken = (): string => {
    const start = at.i
    while (at.i < value.length && TOKEN.test(value[at.i]!)) at.i++
    return value.slice(start, at.i)
  }
  skipSpace()
  const type = readToken()
  if (value[at.i] !== '/' || !type) throw new MultipartError(`${what} has no valid media type`)
  at.i++
  const subtype = readToken()
  if (!subtype) throw new MultipartError(`${what} has no valid media type`)
  const params = readParams(value, at, what)
  return { type: `${type}/${subtype}`.toLowerCase(), params }
}

/** Reads `*(OWS ";" OWS name=value)` to the end of `value`, from `at.i`. */
function readParams(value: string, at: { i: number }, what: string): Map<string, string> {
  const params = new Map<string, string>()
  for (;;) {
    while (value[at.i] === ' ' || value[at.i] === '\t') at.i++
    if (at.i >= value.length) return params
    if (value[at.i] !== ';') throw new MultipartError(`${what} is malformed near "${value.slice(at.i, at.i + 20)}"`)
    at.i++
    while (value[at.i] === ' ' || value[at.i] === '\t') at.i++
    if (at.i >= value.length) return params
    const nameStart = at.i
    while (at.i < value.length && TOKEN.test(value[at.i]!)) at.i++
    const name = value.slice(nameStart, at.i).toLowerCase()
    if (!name || value[at.i] !== '=') throw new MultipartError(`${what} has a malformed parameter`)
    at.i++
    let paramValue: string
    if (value[at.i] === '"') {
      const close = value.indexOf('"', at.i + 1)
      if (close < 0) throw new MultipartError(`${what} has an unterminated quoted parameter`)
      paramValue = value.slice(at.i + 1, close)
      if (paramValue.includes('\\')) throw new MultipartError(`${what} has a backslash in a quoted parameter, which parsers read differently`)
      at.i = close + 1
    } else {
      const start = at.i
      while (at.i < value.length && TOKEN.test(value[at.i]!)) at.i++
      paramValue = value.slice(start, at.i)
      if (!paramValue) throw new MultipartError(`${what} has an empty parameter "${name}"`)
    }
    if (params.has(name)) throw new MultipartError(`${what} repeats the parameter "${name}"`)
    params.set(name, paramValue)
  }
}

/** True when `contentType` declares multipart/form-data (any letter case); the boundary is checked by `formBoundary`. */
export function isFormData(contentType: string): boolean {
  return /^\s*multipart\/form-data\s*(;|$)/i.test(contentType)
}

/** The boundary of a multipart/form-data Content-Type: exactly one `boundary` parameter of valid bchars. */
export function formBoundary(contentType: string): string {
  const media = parseMediaType(contentType)
  if (media.type !== 'multipart/form-data') throw new MultipartError('Content-Type is not multipart/form-data')
  const boundary = media.params.get('boundary')
  if (boundary === undefined || !BOUNDARY.test(boundary)) throw new MultipartError('multipart/form-data needs a boundary of 1 to 70 valid characters')
  return boundary
}

/**
 * Splits a form body into parts. Strict where parsers are known to differ, so the gateway never reads a form
 * differently from the provider: the body must open with the first delimiter (no preamble); the dash-boundary
 * may occur only at the start or right after CRLF, followed by CRLF (next part) or "--" (the end), so no
 * transport padding and no look-alike inside a part; nothing but an optional CRLF after the close delimiter;
 * part headers without folding or bare LF, one `form-data` Content-Disposition with one `name`, no `name*` or
 * `filename*`, no Content-Transfer-Encoding other than 7bit/8bit/binary. One linear scan of the body.
 */
export function parseFormData(body: Uint8Array, boundary: string): MultipartPart[] {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const dashBoundary = Buffer.from(`--${boundary}`)
  if (bytes.indexOf(dashBoundary) !== 0) throw new MultipartError('multipart body must start with its boundary')
  const parts: MultipartPart[] = []
  let cursor = dashBoundary.length
  for (;;) {
    // `cursor` is just past a dash-boundary.
    if (bytes[cursor] === 0x2d && bytes[cursor + 1] === 0x2d) {
      const rest = bytes.length - (cursor + 2)
      if (rest === 0 || (rest === 2 && bytes[cursor + 2] === 0x0d && bytes[cursor + 3] === 0x0a)) return parts
      throw new MultipartError('multipart body has content after its closing boundary')
    }
    if (bytes[cursor] !== 0x0d || bytes[cursor + 1] !== 0x0a) throw new MultipartError('multipart boundary is followed by something other than CRLF or "--"')
    if (parts.length >= MAX_PARTS) throw new MultipartError(`multipart body has more than ${MAX_PARTS} parts`)
    const headerStart = cursor + 2
    if (bytes[headerStart] === 0x0d && bytes[headerStart + 1] === 0x0a) throw new MultipartError('multipart part has no Content-Disposition')
    const headerEnd = bytes.indexOf(HEADER_END, headerStart)
    if (headerEnd < 0 || headerEnd - headerStart > MAX_PART_HEADER_BYTES) throw new MultipartError('multipart part headers are unterminated or too long')
    const contentStart = headerEnd + 4
    const next = bytes.indexOf(dashBoundary, headerStart)
    if (next < 0) throw new MultipartError('multipart body has no closing boundary')
    if (next < contentStart) throw new MultipartError('multipart part headers contain the boundary')
    // The delimiter is CRLF + dash-boundary; a part with no content still has its own CRLF before it.
    if (next < contentStart + 2 || bytes[next - 2] !== 0x0d || bytes[next - 1] !== 0x0a) {
      throw new MultipartError('multipart boundary appears inside a part, not after CRLF')
    }
    const headers = readPartHeaders(bytes, headerStart, headerEnd)
    parts.push({ ...headers, start: contentStart, end: next - 2 })
    cursor = next + dashBoundary.length
  }
}

function readPartHeaders(bytes: Buffer, start: number, end: number): { name: string; filename?: string } {
  let text: string
  try {
    text = fatalUtf8.decode(bytes.subarray(start, end))
  } catch {
    throw new MultipartError('multipart part headers are not valid UTF-8')
  }
  const lines = text.split('\r\n')
  if (lines.some((line) => line.includes('\n') || line.includes('\r'))) throw new MultipartError('multipart part headers contain a bare CR or LF')
  let disposition: string | undefined
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) throw new MultipartError('multipart part headers are folded')
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon) : ''
    if (!TOKEN.test(name)) throw new MultipartError('multipart part has a malformed header')
    const value = line.slice(colon + 1).trim()
    const lower = name.toLowerCase()
    if (lower === 'content-disposition') {
      if (disposition !== undefined) throw new MultipartError('multipart part has two Content-Disposition headers')
      disposition = value
    } else if (lower === 'content-transfer-encoding' && !/^(7bit|8bit|binary)$/i.test(value)) {
      throw new MultipartError('multipart part uses a Content-Transfer-Encoding the gateway does not decode')
    }
  }
  if (disposition === undefined) throw new MultipartError('multipart part has no Content-Disposition')
  return parseDisposition(disposition)
}

function parseDisposition(value: string): { name: string; filename?: string } {
  const at = { i: 0 }
  while (at.i < value.length && TOKEN.test(value[at.i]!)) at.i++
  if (value.slice(0, at.i).toLowerCase() !== 'form-data') throw new MultipartError('multipart part is not form-data')
  const params = readParams(value, at, 'Content-Disposition')
  if (params.has('name*') || params.has('filename*')) throw new MultipartError('multipart part uses name* or filename*, which RFC 7578 forbids')
  const name = params.get('name')
  if (name === undefined) throw new MultipartError('multipart part has no name')
  // Some parsers percent-decode names and some do not: a name with "%" could be read two ways.
  if (name.includes('%')) throw new MultipartError('multipart part name contains "%"')
  const filename = params.get('filename')
  return filename === undefined ? { name } : { name, filename }
}

/** The parts named `name`. */
export function partsNamed(parts: readonly MultipartPart[], name: string): MultipartPart[] {
  return parts.filter((part) => part.name === name)
}
