// Pure: bounds what JSON.parse may cost on the proxy thread, by one linear pass over the bytes that counts what the parser would allocate.

/**
 * JSON.parse costs time per value, not per byte: a long string is a memcpy (about 1 ms per MiB), while a MiB of tiny
 * containers, short strings or distinct keys (`[[],[],…]`, `["a","b",…]`, `{"k1":0,"k2":0,…}`) is 300k allocations
 * and 50-200 ms. So the gateway counts before it parses, and refuses a body whose counts no real request reaches.
 */
export interface JsonBudget {
  /** Containers plus strings, a member name counting MEMBER_NAME_WEIGHT: each is an allocation of the parser's. */
  readonly nodes: number
  /** Every value and member (commas plus containers): numbers and literals are cheap, but not free. */
  readonly values: number
  /** Nesting depth. */
  readonly depth: number
}

/**
 * The budget for one request body (test/bench/json-budget.ts measures it): at most ~75 ms of parse at the worst
 * shape within it (131k distinct short strings; 43k one-name objects ~70 ms; 524k zeros ~47 ms) on this 2-core
 * machine, against ~2 s for 32 MiB of such shapes unbounded, while the largest real bodies
 * measured stay below it: a 10k-message chat is 70k nodes, 2048 embedding strings 2k, an embedding of 300k token ids
 * (OpenAI's per-request cap) 2k nodes and 301k values (token ids are numbers: values, not nodes), a 24 MiB base64
 * image 31 nodes.
 */
export const REQUEST_BUDGET: JsonBudget = { nodes: 131_072, values: 524_288, depth: 4096 }

/**
 * For a whole batch input file (JSONL, parsed line by line): a density, per MiB of the file, with REQUEST_BUDGET as
 * the floor. A real chat batch (a request per line) measured 97k nodes and 36k values per MiB, and its lines parse
 * at ~16 ms/MiB; the caps are about twice that (values: room for token-id lines), so a hostile file costs about what
 * a real one of its size does, where a MiB of `[[],[],…]` lines would cost 60-400 ms.
 */
export const BATCH_NODES_PER_MIB = 196_608
export const BATCH_VALUES_PER_MIB = 262_144

export function batchBudget(bytes: number): JsonBudget {
  const mib = bytes / (1024 * 1024)
  return {
    nodes: Math.max(REQUEST_BUDGET.nodes, Math.ceil(mib * BATCH_NODES_PER_MIB)),
    values: Math.max(REQUEST_BUDGET.values, Math.ceil(mib * BATCH_VALUES_PER_MIB)),
    depth: REQUEST_BUDGET.depth,
  }
}

/**
 * A member name costs more than a value string: a name the parser has not seen is interned and, in a new object,
 * makes a new hidden class (measured ~1 us per distinct name, against ~0.1-0.3 us per container or short string).
 */
export const MEMBER_NAME_WEIGHT = 2

const COLON = 0x3a
const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c

/** Bytes of a string read one by one before jumping to its quotes: most strings are short, and a call costs more than a few bytes. */
const SHORT_STRING = 64

/**
 * `at` is on an opening quote; the index after its closing quote, or -1 when the string never ends (before `limit`).
 * A long string is crossed from quote to quote (native indexOf): a quote preceded by an odd run of backslashes is
 * escaped. The string's content is not checked here: JSON.parse does that.
 */
export function stringEnd(body: Uint8Array, at: number, limit: number = body.length): number {
  at++
  const stop = Math.min(limit, at + SHORT_STRING)
  while (at < stop) {
    const byte = body[at]!
    if (byte === QUOTE) return at + 1
    at += byte === BACKSLASH ? 2 : 1
  }
  if (at >= limit) return -1
  let from = at
  for (;;) {
    const quote = body.indexOf(QUOTE, from)
    if (quote < 0 || quote >= limit) return -1
    let slashes = 0
    while (body[quote - 1 - slashes] === BACKSLASH) slashes++
    if ((slashes & 1) === 0) return quote + 1
    from = quote + 1
  }
}

/** The bytes the count stops at: quotes, brackets and commas. */
const STRUCTURAL = new Uint8Array(256)
for (const byte of [QUOTE, OPEN_OBJECT, OPEN_ARRAY, CLOSE_OBJECT, CLOSE_ARRAY, COMMA]) STRUCTURAL[byte] = 1

/**
 * Whether parsing `body[start, end)` stays within `budget`. Linear, no stack, stops at the first count over budget (so
 * a hostile body is refused after reading at most the bytes that reach the budget). A broken structure (unbalanced
 * brackets, an unterminated string) answers true: the parse that follows refuses it, and does so cheaply.
 */
export function withinJsonBudget(body: Uint8Array, budget: JsonBudget = REQUEST_BUDGET, start = 0, end: number = body.length): boolean {
  let nodes = 0
  let values = 0
  let depth = 0
  let at = start
  for (;;) {
    while (at < end && STRUCTURAL[body[at]!] === 0) at++
    if (at >= end) return true
    const byte = body[at]!
    if (byte === QUOTE) {
      const after = stringEnd(body, at, end)
      if (after < 0) return true
      if ((nodes += isName(body, after, end) ? MEMBER_NAME_WEIGHT : 1) > budget.nodes) return false
      at = after
      continue
    }
    if (byte === COMMA) {
      if (++values > budget.values) return false
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++nodes > budget.nodes || ++values > budget.values || ++depth > budget.depth) return false
    } else if (--depth < 0) return true
    at++
  }
}

/** Whether the string that ends before `at` is a member name: a colon follows it. */
export function isName(body: Uint8Array, at: number, end: number = body.length): boolean {
  while (at < end) {
    const byte = body[at]!
    if (byte === COLON) return true
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false
    at++
  }
  return false
}

/** A counter for a walk that already stops at every structural byte (model-token's): the same counts, the same budget. */
export class JsonCount {
  nodes = 0
  values = 0
  constructor(private readonly budget: JsonBudget = REQUEST_BUDGET) {}
  /** A string (a member name when `name`); false once over budget. */
  string(name: boolean): boolean {
    return (this.nodes += name ? MEMBER_NAME_WEIGHT : 1) <= this.budget.nodes
  }
  /** A container opening at `depth` (after the increment); false once over budget. */
  open(depth: number): boolean {
    return ++this.nodes <= this.budget.nodes && ++this.values <= this.budget.values && depth <= this.budget.depth
  }
  comma(): boolean {
    return ++this.values <= this.budget.values
  }
}

/** JSON.parse of `text`'s bytes when they are within the budget; undefined when they are not, or are not JSON. */
export function parseWithinBudget(bytes: Uint8Array, budget: JsonBudget = REQUEST_BUDGET): unknown {
  if (!withinJsonBudget(bytes, budget)) return undefined
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown
  } catch {
    return undefined
  }
}
