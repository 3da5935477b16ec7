// Reading numbers a client put in a JSON request, strictly: a wrong type is as good as absent.

export function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined
}

export function objectField(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

/** Keeps only the scalar fields in `names` (and at most 64 characters of a string): a submission's price parameters. */
export function pickScalars(source: Record<string, unknown> | undefined, names: readonly string[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  if (!source) return out
  for (const name of names) {
    const value = source[name]
    if (typeof value === 'number' && Number.isFinite(value)) out[name] = value
    else if (typeof value === 'boolean') out[name] = value
    else if (typeof value === 'string') out[name] = value.slice(0, 64)
  }
  return out
}
