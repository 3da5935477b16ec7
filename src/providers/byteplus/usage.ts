// Usage from BytePlus ModelArk's own formats: Seedream image generation (JSON/SSE) and Seedance video task results.
import type { ExtractInput, Extraction, Usage } from '../../types/usage.ts'
import { bodyText, isStreamBody, parseJson, sseEvents, sseJson } from '../../wire/body.ts'
import { jsonUsage, makeUsage, num, rec, str, type Rec } from '../../wire/fields.ts'

const SEEDANCE_TASK = /\/contents\/generations\/tasks\/[^/]+\/?$/

/** Creating, listing and polling tasks cost nothing: a task is billed once, on its job's row (src/jobs/). */
export function seedanceTaskUsage(input: ExtractInput): Extraction {
  return { ...(SEEDANCE_TASK.test(input.path) ? seedanceTask(input) : { usage: null }), usage: null, job: true }
}

/** Seedream is billed per generated image; output_tokens ride along for reference. */
function seedreamCounts(u: Rec): Usage {
  return makeUsage({ images: num(u.generated_images), outputTokens: num(u.output_tokens) })
}

export function seedreamUsage(input: ExtractInput): Extraction {
  const text = bodyText(input.body)
  if (!isStreamBody(input.contentType, text)) {
    // Base64 images can take a body past the meter's 4 MiB window: its usage is then read from the tail.
    return jsonUsage(text, input.truncated === true, seedreamCounts)
  }
  let raw: Rec | undefined
  let model: string | undefined
  let completed = false
  for (const { event, json } of sseJson(sseEvents(text))) {
    const chunk = rec(json)
    if (chunk === undefined) continue
    model = str(chunk.model) ?? model
    if ((str(chunk.type) ?? event) === 'image_generation.completed') {
      completed = true
      raw = rec(chunk.usage) ?? raw
    }
  }
  const extraction: Extraction = { usage: null, streamedText: '', incomplete: !completed }
  if (raw !== undefined) {
    extraction.usage = seedreamCounts(raw)
    extraction.raw = raw
  }
  if (model !== undefined) extraction.model = model
  return extraction
}

/** Seedance video is billed by tokens, and only for a succeeded task. */
function seedanceTask(input: ExtractInput): Extraction {
  const body = rec(parseJson(bodyText(input.body)))
  if (body === undefined) return { usage: null }
  const extraction: Extraction = { usage: null }
  const model = str(body.model)
  if (model !== undefined) extraction.model = model
  const raw = rec(body.usage)
  if (raw === undefined) return extraction
  extraction.raw = raw
  if (body.status === 'succeeded') extraction.usage = makeUsage({ outputTokens: num(raw.completion_tokens) })
  return extraction
}
