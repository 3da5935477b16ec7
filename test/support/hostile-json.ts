// JSON bodies that are cheap to send and dear to parse (many tiny containers, short strings, distinct keys), and real large bodies that must still pass.

const MiB = 1024 * 1024

/** `unit` repeated (comma-separated) to about `bytes`, inside `[`…`]`. */
export function repeated(unit: string, bytes: number): string {
  const n = Math.max(1, Math.floor(bytes / (unit.length + 1)))
  return `[${`${unit},`.repeat(n - 1)}${unit}]`
}

/** The hostile shapes, each about `bytes` of JSON value (to be put in a request body's member). */
export function hostileValues(bytes: number = MiB): Record<string, string> {
  return {
    'empty arrays': repeated('[]', bytes),
    'empty objects': repeated('{}', bytes),
    'nested arrays': repeated('[[[[]]]]', bytes),
    '{"a":{"a":…}} chains': repeated(`${'{"a":'.repeat(64)}0${'}'.repeat(64)}`, bytes),
    'deep nesting (4000)': repeated(`${'['.repeat(4000)}${']'.repeat(4000)}`, bytes),
    'short strings': repeated('""', bytes),
    'distinct keys': `{${Array.from({ length: Math.floor(bytes / 9) }, (_, i) => `"k${i}":0`).join(',')}}`,
    'single-digit numbers': repeated('0', bytes),
  }
}

/** A chat body with `value` as an extra top-level member, `model` first. */
export function chatWith(model: string, value: string): string {
  return `{"model":${JSON.stringify(model)},"messages":[{"role":"user","content":"hi"}],"metadata_blob":${value}}`
}

/** A long real conversation: `messages` turns of ~`chars` characters. */
export function largeChat(model: string, messages: number, chars = 400): string {
  const turns = Array.from({ length: messages }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i} ${'lorem ipsum '.repeat(Math.ceil(chars / 12))}`.slice(0, chars) }))
  return JSON.stringify({ model, messages: turns, max_tokens: 256 })
}

/** A chat with one base64 image of about `bytes`. */
export function imageChat(model: string, bytes: number): string {
  const image = Buffer.alloc(Math.floor((bytes * 3) / 4), 7).toString('base64')
  return JSON.stringify({ model, messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${image}` } }] }] })
}

/** An embeddings body of token-id arrays (numbers, not containers): `inputs` arrays of `ids` ids. */
export function tokenEmbedding(model: string, inputs: number, ids: number): string {
  const input = Array.from({ length: inputs }, (_, i) => Array.from({ length: ids }, (_, j) => (i * 7919 + j * 104729) % 200_000))
  return JSON.stringify({ model, input })
}

/** A batch input file (JSONL): `lines` chat requests. */
export function batchFile(model: string, lines: number): string {
  let out = ''
  for (let i = 0; i < lines; i++) {
    out += `${JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: `question ${i}: ${'why '.repeat(40)}` }], max_tokens: 64 } })}\n`
  }
  return out
}
