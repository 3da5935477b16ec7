// Reads the output cap a request asks for, wherever its provider puts it (max_tokens, max_output_tokens, maxOutputTokens…), and how many answers it wants.

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
