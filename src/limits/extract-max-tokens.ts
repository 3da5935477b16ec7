// Reads what a request asks for, wherever its provider puts it: the output cap (max_tokens, max_output_tokens, maxOutputTokens…), how many answers, how many images.

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined
}

function object(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

/** The per-answer output cap: OpenAI chat/Responses, Anthropic, Gemini generationConfig, DashScope native parameters. */
export function requestedMaxTokens(json: Record<string, unknown> | undefined): number | undefined {
  if (!json) return undefined
  const generation = object(json.generationConfig)
  const parameters = object(json.parameters)
  return (
    positiveInt(json.max_completion_tokens) ??
    positiveInt(json.max_tokens) ??
    positiveInt(json.max_output_tokens) ??
    positiveInt(generation?.maxOutputTokens) ??
    positiveInt(parameters?.max_tokens)
  )
}

/**
 * How many answers the request asks for (OpenAI `n`, Gemini `candidateCount`, DashScope `parameters.n`): each one
 * may use the whole output cap, so the most a request can produce is this times the cap. 1 when not given.
 */
export function requestedAnswers(json: Record<string, unknown> | undefined): number {
  if (!json) return 1
  const generation = object(json.generationConfig)
  const parameters = object(json.parameters)
  return positiveInt(json.n) ?? positiveInt(generation?.candidateCount) ?? positiveInt(parameters?.n) ?? 1
}

/**
 * How many images an image request may return: Seedream's sequential generation up to `max_images` (15 when not
 * given, its documented ceiling), else one per answer. Per-image models are billed by this count, not by tokens.
 */
export function requestedImages(json: Record<string, unknown> | undefined): number {
  if (json?.sequential_image_generation === 'auto') {
    return positiveInt(object(json.sequential_image_generation_options)?.max_images) ?? 15
  }
  return requestedAnswers(json)
}
