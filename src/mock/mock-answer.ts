// Pure core of the mock upstream: what a request said, the deterministic answer to it, and its token counts.

/** Models /v1/models lists; any other model name is accepted too (the mock answers every model the same way). */
export const MOCK_MODELS = ['mock-gpt', 'mock-gpt-mini', 'mock-claude', 'mock-embedding'] as const

/** Longest piece of the prompt echoed back: the answer stays short whatever the request holds. */
const ECHO_CHARS = 60

const encoder = new TextEncoder()

/** Tokens as a real tokenizer roughly counts English text: about four bytes each, at least one for any text. */
export function tokensOf(text: string): number {
  const bytes = encoder.encode(text).byteLength
  return bytes === 0 ? 0 : Math.max(1, Math.ceil(bytes / 4))
}

/** Members that label a message or part rather than hold what was said. */
const LABELS = new Set(['role', 'type', 'id', 'call_id', 'status', 'cache_control'])

/** Every string leaf of a JSON value, in order: the text of messages, content parts, instructions, tool results. */
export function textOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value)
  else if (Array.isArray(value)) for (const item of value) textOf(item, into)
  else if (value && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) if (!LABELS.has(name)) textOf(item, into)
  }
  return into
}

/** The prompt of a chat, responses or messages request: the parts that hold what the caller said. */
export function promptText(json: Record<string, unknown>): string {
  return textOf([json.system, json.instructions, json.messages, json.input, json.prompt]).join('\n')
}

/** The last thing the caller said, for the echo: the last non-empty text leaf of the conversation. */
function lastSaid(json: Record<string, unknown>): string {
  const texts = textOf([json.messages, json.input, json.prompt]).filter((t) => t.trim() !== '')
  const last = (texts.at(-1) ?? '').replace(/\s+/g, ' ').trim()
  return last.length > ECHO_CHARS ? `${last.slice(0, ECHO_CHARS)}…` : last
}

export interface MockAnswer {
  readonly text: string
  /** The answer cut into stream deltas (words with their following space), joined they are `text`. */
  readonly deltas: readonly string[]
  readonly inputTokens: number
  readonly outputTokens: number
}

/** The same request always gets the same answer, so tests and demos are reproducible. */
export function answerTo(json: Record<string, unknown>): MockAnswer {
  const said = lastSaid(json)
  const text = said ? `This is Sociaro's mock provider. You said: "${said}"` : "This is Sociaro's mock provider."
  const deltas = text.match(/\S+\s*/g) ?? [text]
  return { text, deltas, inputTokens: tokensOf(promptText(json)), outputTokens: tokensOf(text) }
}

/** The inputs of an embeddings request as strings (token arrays are counted one token per number). */
export function embeddingInputs(input: unknown): { texts: string[]; tokens: number } {
  if (typeof input === 'string') return { texts: [input], tokens: tokensOf(input) }
  if (!Array.isArray(input)) return { texts: [], tokens: 0 }
  if (input.every((item) => typeof item === 'number')) return { texts: [input.join(',')], tokens: input.length }
  const texts: string[] = []
  let tokens = 0
  for (const item of input) {
    if (typeof item === 'string') {
      texts.push(item)
      tokens += tokensOf(item)
    } else if (Array.isArray(item)) {
      texts.push(item.join(','))
      tokens += item.length
    }
  }
  return { texts, tokens }
}

/** A unit vector derived from the text (FNV-1a seeded xorshift): equal texts embed equally, different ones differ. */
export function embeddingOf(text: string, dimensions: number): Float32Array {
  let seed = 0x811c9dc5
  for (const byte of encoder.encode(text)) seed = Math.imul(seed ^ byte, 0x01000193) >>> 0
  const vector = new Float32Array(dimensions)
  let norm = 0
  for (let i = 0; i < dimensions; i++) {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    seed >>>= 0
    const value = seed / 0xffffffff - 0.5
    vector[i] = value
    norm += value * value
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0
  for (let i = 0; i < dimensions; i++) vector[i] = vector[i]! * scale
  return vector
}
