// Reads the output cap a request asks for, wherever its provider puts it (max_tokens, max_output_tokens, maxOutputTokens…).

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined
}

export function requestedMaxTokens(json: Record<string, unknown> | undefined): number | undefined {
  if (!json) return undefined
  const generation = json.generationConfig as Record<string, unknown> | undefined
  const parameters = json.parameters as Record<string, unknown> | undefined
  return (
    positiveInt(json.max_completion_tokens) ??
    positiveInt(json.max_tokens) ??
    positiveInt(json.max_output_tokens) ??
    positiveInt(generation?.maxOutputTokens) ??
    positiveInt(parameters?.max_tokens)
  )
}
