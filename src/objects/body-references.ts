// Pure: the provider object ids a JSON request body names (a batch's input file, a previous response, a file in a message).

/** OpenAI-shaped fields (also Anthropic's `file_id`) whose string value, or array of strings, is an object id. */
const ID_FIELDS = new Set([
  'file_id',
  'file_ids',
  'input_file_id',
  'training_file',
  'validation_file',
  'previous_response_id',
  'assistant_id',
  'vector_store_id',
  'vector_store_ids',
  'container',
  'conversation',
])

/** Gemini names its objects by resource name: "files/abc", "cachedContents/xyz". */
const GEMINI_NAME_FIELDS = new Set(['cachedContent', 'cached_content', 'fileName', 'file_name'])
const GEMINI_URI_FIELDS = new Set(['fileUri', 'file_uri'])
const GEMINI_FILE_URI = /\/v1(?:alpha|beta)?\/(files\/[^/?#]+)$/

/**
 * Byte patterns that must occur for the body to name an id: most requests have none, and then the parsed body is
 * not walked at all. Few and short, since each is one scan of the body. A `\u` escape can spell a field name
 * without these bytes, so it forces the walk.
 */
const bytesOf = (texts: string[]) => texts.map((text) => Buffer.from(text))
const NEEDLES = bytesOf(['_id', '_file"', 'container"', 'conversation"', '\\u'])
const GEMINI_NEEDLES = bytesOf(['ached', 'file', '\\u'])

const MAX_DEPTH = 64

function mayNameIds(body: Uint8Array, gemini: boolean): boolean {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return (gemini ? GEMINI_NEEDLES : NEEDLES).some((needle) => bytes.includes(needle))
}

function addString(out: Set<string>, value: unknown): void {
  if (typeof value === 'string' && value !== '') out.add(value)
}

function addIds(out: Set<string>, value: unknown): void {
  if (Array.isArray(value)) for (const item of value) addString(out, item)
  else if (value && typeof value === 'object') addString(out, (value as Record<string, unknown>).id)
  else addString(out, value)
}

export interface BodyFacts {
  readonly body: Uint8Array | undefined
  /** The body parsed as a JSON object, when it is one. */
  readonly json: Record<string, unknown> | undefined
  readonly contentType: string
  readonly contentEncoding: string
}

/**
 * Every id the body names, by field. Null when the gateway cannot read a body that may name one: nested deeper than
 * MAX_DEPTH, compressed, or not a JSON object the way the gateway parses it (a byte-order mark, say) while the
 * provider may parse it all the same. Multipart uploads carry file contents, not ids, and are not scanned.
 */
export function referencedObjectIds(facts: BodyFacts, gemini: boolean): string[] | null {
  const { body, json } = facts
  if (!body || body.byteLength === 0 || facts.contentType.toLowerCase().startsWith('multipart/')) return []
  const encoding = facts.contentEncoding.trim().toLowerCase()
  if (encoding !== '' && encoding !== 'identity') return null
  if (!mayNameIds(body, gemini)) return []
  if (!json) return null
  const out = new Set<string>()
  const stack: [unknown, number][] = [[json, 0]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > MAX_DEPTH) return null
    if (Array.isArray(node)) {
      for (const item of node) if (item && typeof item === 'object') stack.push([item, depth + 1])
      continue
    }
    for (const [field, value] of Object.entries(node as Record<string, unknown>)) {
      if (gemini) {
        if (GEMINI_NAME_FIELDS.has(field)) addString(out, value)
        else if (GEMINI_URI_FIELDS.has(field) && typeof value === 'string') addString(out, GEMINI_FILE_URI.exec(value)?.[1])
      } else if (ID_FIELDS.has(field)) {
        // `container: {"type": "auto"}` asks for a new container; only a string names one.
        if (field === 'container' ? typeof value === 'string' : true) addIds(out, value)
      }
      if (value && typeof value === 'object') stack.push([value, depth + 1])
    }
  }
  return [...out]
}
