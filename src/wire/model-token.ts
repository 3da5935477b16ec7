// Pure: finds a JSON body's top-level string member (`model`) as raw bytes, validating the whole body, and cuts a prefix out of its value in place.

/** Where a top-level member's string value sits in the raw body, and what it says. */
export interface StringMember {
  /** Index of the value's opening quote. */
  readonly start: number
  /** Index just after its closing quote. */
  readonly end: number
  /** The value as JSON.parse reads it. */
  readonly value: string
}

/**
 * - `not_json`: not one valid JSON text (RFC 8259), or nested deeper than MAX_DEPTH.
 * - `not_object`: valid JSON, but not an object.
 * - `absent`, `not_string`: the object has no such member, or its value is not a string.
 * - `duplicate`: the member appears twice at the top level (parsers differ on which one wins: the gateway does not guess).
 */
export type MemberProblem = 'not_json' | 'not_object' | 'absent' | 'not_string' | 'duplicate'

export type MemberScan = ({ readonly ok: true } & StringMember) | { readonly ok: false; readonly problem: MemberProblem }

/** Deeper nesting is refused: no real request is nested this deep, and the depth stack stays a fixed 4 KiB. */
export const MAX_DEPTH = 4096

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c
const COLON = 0x3a
const SLASH = 0x2f

class NotJson extends Error {}
const notJson = new NotJson()

const decoder = new TextDecoder()
const encoder = new TextEncoder()

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

function skipSpace(body: Uint8Array, at: number): number {
  while (isSpace(body[at])) at++
  return at
}

function isHex(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
}

const isDigit = (byte: number | undefined) => byte !== undefined && byte >= 0x30 && byte <= 0x39

/** `at` is on the opening quote; returns the index after the closing one. Escapes are checked; raw control characters refused. */
function scanString(body: Uint8Array, at: number): number {
  at++
  for (;;) {
    const byte = body[at]
    if (byte === undefined || byte < 0x20) throw notJson
    if (byte === QUOTE) return at + 1
    if (byte !== BACKSLASH) {
      at++
      continue
    }
    const escaped = body[at + 1]
    if (escaped === 0x75) {
      if (!isHex(body[at + 2]) || !isHex(body[at + 3]) || !isHex(body[at + 4]) || !isHex(body[at + 5])) throw notJson
      at += 6
    } else if (escaped === QUOTE || escaped === BACKSLASH || escaped === SLASH || escaped === 0x62 || escaped === 0x66 || escaped === 0x6e || escaped === 0x72 || escaped === 0x74) {
      at += 2
    } else throw notJson
  }
}

/** RFC 8259 number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. */
function scanNumber(body: Uint8Array, at: number): number {
  if (body[at] === 0x2d) at++
  if (body[at] === 0x30) at++
  else if (isDigit(body[at])) while (isDigit(body[at])) at++
  else throw notJson
  if (body[at] === 0x2e) {
    at++
    if (!isDigit(body[at])) throw notJson
    while (isDigit(body[at])) at++
  }
  if (body[at] === 0x65 || body[at] === 0x45) {
    at++
    if (body[at] === 0x2b || body[at] === 0x2d) at++
    if (!isDigit(body[at])) throw notJson
    while (isDigit(body[at])) at++
  }
  return at
}

const LITERALS = [encoder.encode('true'), encoder.encode('false'), encoder.encode('null')]

function scanLiteral(body: Uint8Array, at: number): number {
  for (const literal of LITERALS) {
    if (body[at] !== literal[0]) continue
    for (let i = 1; i < literal.length; i++) if (body[at + i] !== literal[i]) throw notJson
    return at + literal.length
  }
  throw notJson
}

/** A scalar value (string, number, literal) from `at`; returns the index after it. */
function scanScalar(body: Uint8Array, at: number): number {
  const byte = body[at]
  if (byte === QUOTE) return scanString(body, at)
  if (byte === 0x2d || isDigit(byte)) return scanNumber(body, at)
  return scanLiteral(body, at)
}

/** `key: ` from the opening quote of a member name; returns the index of its value (after the colon and blanks). */
function scanMemberName(body: Uint8Array, at: number): number {
  if (body[at] !== QUOTE) throw notJson
  at = skipSpace(body, scanString(body, at))
  if (body[at] !== COLON) throw notJson
  return skipSpace(body, at + 1)
}

/** Any JSON value from `at` (no recursion: a fixed stack of open containers); returns the index after it. */
function skipValue(body: Uint8Array, at: number, depth: number, open: Uint8Array): number {
  let top = 0
  for (;;) {
    // A value starts here.
    at = skipSpace(body, at)
    const byte = body[at]
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (depth + top + 1 > MAX_DEPTH) throw notJson
      at = skipSpace(body, at + 1)
      const close = byte === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY
      if (body[at] === close) at++
      else {
        open[top++] = byte
        if (byte === OPEN_OBJECT) at = scanMemberName(body, at)
        continue
      }
    } else at = scanScalar(body, at)
    // After a value: close what it ends, or move to the next element.
    for (;;) {
      if (top === 0) return at
      at = skipSpace(body, at)
      const container = open[top - 1]
      if (body[at] === COMMA) {
        at = skipSpace(body, at + 1)
        if (container === OPEN_OBJECT) at = scanMemberName(body, at)
        break
      }
      if (body[at] !== (container === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) throw notJson
      top--
      at++
    }
  }
}

/** Whether the member name in body[start, end) (quotes included) is `name` once its escapes are read. */
function nameIs(body: Uint8Array, start: number, end: number, name: string, raw: Uint8Array): boolean {
  let escaped = false
  for (let i = start + 1; i < end - 1; i++) if (body[i] === BACKSLASH) escaped = true
  if (!escaped) {
    if (end - start - 2 !== raw.length) return false
    for (let i = 0; i < raw.length; i++) if (body[start + 1 + i] !== raw[i]) return false
    return true
  }
  return JSON.parse(decoder.decode(body.subarray(start, end))) === name
}

/**
 * Finds the top-level member `name` of a JSON object body and its string value, checking that the whole body is one
 * valid JSON text. One pass, linear in the body, with a fixed-size depth stack; a leading UTF-8 BOM is allowed (the
 * decoder every later reader uses drops it). Members named `name` inside nested objects are not the top-level one.
 */
export function findTopLevelString(body: Uint8Array, name: string): MemberScan {
  const raw = encoder.encode(name)
  let found: StringMember | undefined
  let problem: MemberProblem | undefined
  // The containers open below the current top-level value: one fixed stack per scan.
  const open = new Uint8Array(MAX_DEPTH)
  try {
    let at = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0
    at = skipSpace(body, at)
    if (body[at] !== OPEN_OBJECT) {
      // Valid JSON of another type, or none at all.
      if (skipSpace(body, skipValue(body, at, 0, open)) !== body.length) throw notJson
      return { ok: false, problem: 'not_object' }
    }
    at = skipSpace(body, at + 1)
    if (body[at] === CLOSE_OBJECT) at++
    else {
      for (;;) {
        if (body[at] !== QUOTE) throw notJson
        const nameStart = at
        const nameEnd = scanString(body, at)
        const valueAt = scanMemberName(body, at)
        const isTarget = nameIs(body, nameStart, nameEnd, name, raw)
        if (isTarget && (found || problem === 'not_string')) problem = 'duplicate'
        if (isTarget && body[valueAt] === QUOTE) {
          const end = scanString(body, valueAt)
          if (!found) found = { start: valueAt, end, value: JSON.parse(decoder.decode(body.subarray(valueAt, end))) as string }
          at = end
        } else {
          if (isTarget) problem ??= 'not_string'
          at = skipValue(body, valueAt, 1, open)
        }
        at = skipSpace(body, at)
        if (body[at] === COMMA) {
          at = skipSpace(body, at + 1)
          continue
        }
        if (body[at] !== CLOSE_OBJECT) throw notJson
        at++
        break
      }
    }
    if (skipSpace(body, at) !== body.length) throw notJson
  } catch (error) {
    if (error instanceof NotJson || error instanceof SyntaxError) return { ok: false, problem: 'not_json' }
    throw error
  }
  if (problem) return { ok: false, problem }
  return found ? { ok: true, ...found } : { ok: false, problem: 'absent' }
}

/**
 * The body with the start of a string member's value removed up to and including its first `/` (in any spelling:
 * `/`, `\/`, `\u002f`), every other byte as it was: `"openai/gpt-4o"` becomes `"gpt-4o"`, and escapes after the cut
 * stay as the client wrote them. Undefined when the value holds no `/`.
 */
export function cutThroughFirstSlash(body: Uint8Array, member: StringMember): Uint8Array | undefined {
  let at = member.start + 1
  let after: number | undefined
  while (at < member.end - 1) {
    const byte = body[at]!
    if (byte === SLASH) {
      after = at + 1
      break
    }
    if (byte !== BACKSLASH) {
      at++
      continue
    }
    if (body[at + 1] === SLASH) {
      after = at + 2
      break
    }
    if (body[at + 1] === 0x75) {
      if (Number.parseInt(decoder.decode(body.subarray(at + 2, at + 6)), 16) === SLASH) {
        after = at + 6
        break
      }
      at += 6
    } else at += 2
  }
  if (after === undefined) return undefined
  const out = new Uint8Array(body.length - (after - member.start - 1))
  out.set(body.subarray(0, member.start + 1), 0)
  out.set(body.subarray(after), member.start + 1)
  return out
}
