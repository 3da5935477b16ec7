// Streams one large array out of a JSON document: each element handed over on its own (bounded), the rest kept as a small document with the array emptied.

export interface ArrayStreamLimits {
  /** The document without the array's elements: past this the document is not one the caller can read. */
  readonly maxSkeletonBytes: number
  /** One element: a longer one is reported as oversized and skipped to its end, never held. */
  readonly maxElementBytes: number
}

export interface ArrayStream {
  /** Feeds the next bytes; false once the skeleton outgrew its bound (the caller stops reading). */
  push(chunk: Uint8Array): boolean
  /**
   * The document with the array's elements removed (`"key": []`), once every byte was pushed; undefined when it
   * is not one whole JSON value (cut short, or the skeleton outgrew its bound).
   */
  end(): string | undefined
  /** Whether the array was found (its opening bracket was read). */
  readonly found: boolean
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09

/**
 * The first array that is the value of a member named `key` (at any depth) is streamed: `element(bytes)` for each
 * element as its raw UTF-8 JSON text, `element(undefined)` for one longer than the bound. Works on bytes: every
 * structural character is ASCII and no UTF-8 continuation byte can be mistaken for one. No value is parsed here;
 * the caller parses each element and the skeleton.
 */
export function jsonArrayStream(key: string, limits: ArrayStreamLimits, element: (bytes: Uint8Array | undefined) => void): ArrayStream {
  const target = new TextEncoder().encode(key)
  const skeleton: Uint8Array[] = []
  let skeletonBytes = 0
  let overgrown = false

  let inString = false
  let escaped = false
  // The current string's first bytes, compared with the key (longer strings are never it).
  let stringHead: number[] = []
  let stringLong = false
  let lastStringIsKey = false
  // The last structural character outside strings (a value after ':' is a member's value).
  let lastSignificant = 0
  let memberIsKey = false
  let depth = 0

  let capturing = false
  let found = false
  // Inside an element: its parts so far, or skipping an oversized one to its end.
  let inElement = false
  let elementParts: Uint8Array[] = []
  let elementBytes = 0
  let elementOversized = false
  let elementInString = false
  let elementEscaped = false
  let elementDepth = 0

  const keep = (bytes: Uint8Array) => {
    if (bytes.byteLength === 0) return
    skeletonBytes += bytes.byteLength
    if (skeletonBytes > limits.maxSkeletonBytes) overgrown = true
    else skeleton.push(bytes.slice())
  }

  const keepElement = (bytes: Uint8Array) => {
    if (elementOversized || bytes.byteLength === 0) return
    elementBytes += bytes.byteLength
    if (elementBytes > limits.maxElementBytes) {
      elementOversized = true
      elementParts = []
      return
    }
    elementParts.push(bytes.slice())
  }

  const finishElement = () => {
    if (elementOversized) element(undefined)
    else element(Buffer.concat(elementParts))
    inElement = false
    elementParts = []
    elementBytes = 0
    elementOversized = false
    elementInString = false
    elementEscaped = false
    elementDepth = 0
  }

  /** Inside the captured array: elements split at top-level commas; returns where the array closed, or -1. */
  const scanArray = (chunk: Uint8Array, from: number): number => {
    let start = inElement ? from : -1
    for (let i = from; i < chunk.length; i++) {
      const byte = chunk[i]!
      if (inElement) {
        if (elementInString) {
          if (elementEscaped) elementEscaped = false
          else if (byte === BACKSLASH) elementEscaped = true
          else if (byte === QUOTE) elementInString = false
          continue
        }
        if (byte === QUOTE) elementInString = true
        else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) elementDepth++
        else if ((byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) && elementDepth > 0) elementDepth--
        else if (elementDepth === 0 && (byte === COMMA || byte === CLOSE_ARRAY)) {
          keepElement(chunk.subarray(start, i))
          finishElement()
          start = -1
          if (byte === CLOSE_ARRAY) return i
        }
        continue
      }
      if (isSpace(byte) || byte === COMMA) continue
      if (byte === CLOSE_ARRAY) return i
      inElement = true
      start = i
      i--
    }
    if (inElement && start >= 0) keepElement(chunk.subarray(start))
    return -1
  }

  return {
    get found() {
      return found
    },
    push(chunk) {
      if (overgrown) return false
      let kept = 0
      let i = 0
      while (i < chunk.length) {
        if (capturing) {
          const closed = scanArray(chunk, i)
          if (closed < 0) return !overgrown
          capturing = false
          kept = closed
          i = closed
          continue
        }
        const byte = chunk[i]!
        if (inString) {
          if (escaped) escaped = false
          else if (byte === BACKSLASH) escaped = true
          else if (byte === QUOTE) {
            inString = false
            lastStringIsKey = !stringLong && stringHead.length === target.length && stringHead.every((b, n) => b === target[n])
            lastSignificant = QUOTE
          } else if (!stringLong) {
            if (stringHead.length >= target.length) stringLong = true
            else stringHead.push(byte)
          }
          i++
          continue
        }
        if (byte === QUOTE) {
          inString = true
          stringHead = []
          stringLong = false
        } else if (byte === COLON) {
          memberIsKey = lastSignificant === QUOTE && lastStringIsKey
          lastSignificant = COLON
        } else if (byte === OPEN_ARRAY) {
          depth++
          if (!found && lastSignificant === COLON && memberIsKey) {
            found = true
            capturing = true
            keep(chunk.subarray(kept, i + 1))
            kept = i + 1
            i++
            continue
          }
          lastSignificant = byte
        } else if (byte === OPEN_OBJECT) {
          depth++
          lastSignificant = byte
        } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
          depth--
          lastSignificant = byte
        } else if (!isSpace(byte)) lastSignificant = byte
        i++
      }
      keep(chunk.subarray(kept))
      return !overgrown
    },
    end() {
      if (overgrown || capturing || inString || depth !== 0) return undefined
      return new TextDecoder().decode(Buffer.concat(skeleton))
    },
  }
}
