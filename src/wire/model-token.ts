// Pure: finds a JSON body's top-level string member (`model`) as raw bytes while the body is parsed once, and cuts a prefix out of its value in place.
import { isName, JsonCount, stringEnd } from './json-budget.ts'

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
 * - `over_budget`: more containers, strings or values than any real request holds (json-budget.ts): not parsed.
 */
export type MemberProblem = 'not_json' | 'not_object' | 'absent' | 'not_string' | 'duplicate' | 'over_budget'

/** A found member, with the body parsed (the one parse the request gets: later readers reuse `json`). */
export type MemberScan =
  | ({ readonly ok: true; readonly json: Record<string, unknown> } & StringMember)
  | { readonly ok: false; readonly problem: MemberProblem }

/** Deeper nesting is refused before the body is parsed: no real request is nested this deep, and a parser's time on a deep body is not. */
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

const decoder = new TextDecoder()
const encoder = new TextEncoder()

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

function skipSpace(body: Uint8Array, at: number): number {
  while (isSpace(body[at])) at++
  return at
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
  try {
    return JSON.parse(decoder.decode(body.subarray(start, end))) === name
  } catch {
    // A malformed name: the parse that follows refuses the body.
    return false
  }
}

/** The bytes the walk stops at: quotes, brackets and commas. */
const STRUCTURAL = new Uint8Array(256)
for (const byte of [QUOTE, OPEN_OBJECT, OPEN_ARRAY, CLOSE_OBJECT, CLOSE_ARRAY, COMMA]) STRUCTURAL[byte] = 1

/** What the walk saw of a body's top-level member `name`. */
export interface Layout {
  /** Index of the first byte of the top-level value (after a BOM and blanks). */
  from: number
  /** The first top-level member named so whose value is a string: its value's span. */
  found?: { start: number; end: number }
  problem?: 'duplicate' | 'not_string'
  /** The walk stopped: the body holds more than REQUEST_BUDGET (json-budget.ts), and is not to be parsed. */
  overBudget?: true
}

/**
 * The structure of the body (after a leading BOM and blanks), without reading its scalars: strings are skipped quote to quote, brackets counted, and
 * the top-level member names compared with `name`. Linear, with no stack (a depth counter), and refuses nesting
 * beyond MAX_DEPTH; it counts what a parse would allocate and stops at REQUEST_BUDGET (`overBudget`). Undefined when
 * the structure is broken or too deep. It may accept what is not JSON (the parse
 * that follows refuses that); on valid JSON it reads tokens exactly as a parser does: every structural byte is
 * ASCII, and a decoder never merges an ASCII byte into a neighbouring invalid sequence.
 */
export function topLevelLayout(body: Uint8Array, name: string): Layout | undefined {
  const raw = encoder.encode(name)
  const from = skipSpace(body, body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0)
  const result: Layout = { from }
  let depth = 0
  // The top-level value is an object, and the next string at depth 1 is a member name (after "{" or ",").
  let topObject = false
  let nameNext = false
  let at = from
  const length = body.length
  const count = new JsonCount()
  const over = (): Layout => ({ from, overBudget: true })
  for (;;) {
    // Digits, letters and blanks say nothing about the structure: one table lookup each.
    while (at < length && STRUCTURAL[body[at]!] === 0) at++
    if (at >= length) break
    const byte = body[at]!
    if (byte === QUOTE) {
      const end = stringEnd(body, at)
      if (end < 0) return undefined
      if (!count.string(isName(body, end))) return over()
      if (nameNext && depth === 1) {
        nameNext = false
        if (nameIs(body, at, end, name, raw)) {
          let valueAt = skipSpace(body, end)
          if (body[valueAt] !== COLON) return undefined
          valueAt = skipSpace(body, valueAt + 1)
          if (result.found || result.problem) result.problem = 'duplicate'
          if (body[valueAt] === QUOTE) {
            const valueEnd = stringEnd(body, valueAt)
            if (valueEnd < 0) return undefined
            if (!count.string(false)) return over()
            result.found ??= { start: valueAt, end: valueEnd }
            at = valueEnd
            continue
          }
          result.problem ??= 'not_string'
          at = valueAt
          continue
        }
      }
      at = end
      continue
    }
    if (byte === COMMA) {
      if (!count.comma()) return over()
      if (depth === 1 && topObject) nameNext = true
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > MAX_DEPTH) return undefined
      if (!count.open(depth)) return over()
      if (depth === 1) topObject = byte === OPEN_OBJECT
      nameNext = depth === 1 && topObject
    } else if (--depth < 0) return undefined
    at++
  }
  return depth === 0 ? result : undefined
}

/**
 * Finds the top-level member `name` of a JSON object body and its string value, and parses the body once: the
 * structure is walked first (bounded depth, duplicates, the member's raw span), then JSON.parse checks that the whole
 * body is one valid JSON text (RFC 8259) and gives the object later readers use. A leading UTF-8 BOM is allowed (the
 * decoder drops it). Members named `name` inside nested values are not the top-level one.
 */
export function findTopLevelString(body: Uint8Array, name: string): MemberScan {
  const found = topLevelLayout(body, name)
  if (!found) return { ok: false, problem: 'not_json' }
  if (found.overBudget) return { ok: false, problem: 'over_budget' }
  const from = found.from
  let json: unknown
  try {
    json = JSON.parse(decoder.decode(body))
  } catch {
    return { ok: false, problem: 'not_json' }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || body[from] !== OPEN_OBJECT) return { ok: false, problem: 'not_object' }
  if (found.problem) return { ok: false, problem: found.problem }
  const object = json as Record<string, unknown>
  if (!found.found) {
    // The walk saw every top-level name; the parse agreeing is the check that it read the same document.
    if (Object.hasOwn(object, name)) return { ok: false, problem: 'not_json' }
    return { ok: false, problem: 'absent' }
  }
  const value = object[name]
  const { start, end } = found.found
  // The same check the other way: the span read alone says what the parse says.
  if (typeof value !== 'string' || JSON.parse(decoder.decode(body.subarray(start, end))) !== value) return { ok: false, problem: 'not_json' }
  return { ok: true, start, end, value, json: object }
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
