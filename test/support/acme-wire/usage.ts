// Acme's usage: `meter: {in, out}` in a JSON answer; in a stream, NDJSON lines whose last one is `{"done":true,"meter":…}`.
import type { ExtractInput, Extraction, Usage } from '../../../src/types/usage.ts'
import { bodyText, parseJson } from '../../../src/wire/body.ts'
import { makeUsage, num, rec, str, type Rec } from '../../../src/wire/fields.ts'

function acmeUsage(meter: Rec): Usage {
  return makeUsage({ inputTokens: num(meter.in), outputTokens: num(meter.out) })
}

export function extractAcme(input: ExtractInput): Extraction {
  const text = bodyText(input.body)
  if (input.path.endsWith(':stream')) return fromLines(text)
  const body = rec(parseJson(text))
  const meter = rec(body?.meter)
  const extraction: Extraction = { usage: meter ? acmeUsage(meter) : null }
  if (meter) extraction.raw = meter
  const model = str(body?.engine)
  if (model !== undefined) extraction.model = model
  return extraction
}

/** One JSON object per line; text pieces say `piece`, the last line says `done` and carries the meter. */
function fromLines(text: string): Extraction {
  let meter: Rec | undefined
  let model: string | undefined
  let pieces = ''
  let done = false
  for (const line of text.split('\n')) {
    const chunk = rec(parseJson(line))
    if (chunk === undefined) continue
    model = str(chunk.engine) ?? model
    if (typeof chunk.piece === 'string') pieces += chunk.piece
    if (chunk.done === true) {
      done = true
      meter = rec(chunk.meter) ?? meter
    }
  }
  const extraction: Extraction = { usage: meter ? acmeUsage(meter) : null, streamedText: pieces, incomplete: !done }
  if (meter) extraction.raw = meter
  if (model !== undefined) extraction.model = model
  return extraction
}
