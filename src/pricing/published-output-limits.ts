// Output limits the providers publish for their common models: a tighter reservation bound than the context window.

/**
 * One row per model family: a provider id, an anchored pattern over the model name, and the most output tokens one
 * answer can hold according to the provider's model page. First match wins, so specific patterns come first.
 * Only limits a provider states as hard caps are listed; anything else falls back to the context window.
 * Checked 2026-12-01 against platform.openai.com/docs/models and ai.google.dev/gemini-api/docs/models.
 */
const PUBLISHED: readonly { readonly provider: string; readonly model: RegExp; readonly maxOutputTokens: number }[] = [
  { provider: 'openai', model: /^(?:gpt-4o|chatgpt-4o)(?:-mini)?(?:-|$)/, maxOutputTokens: 16_384 },
  { provider: 'openai', model: /^gpt-4\.1(?:-mini|-nano)?(?:-|$)/, maxOutputTokens: 32_768 },
  { provider: 'openai', model: /^o1-mini(?:-|$)/, maxOutputTokens: 65_536 },
  { provider: 'openai', model: /^o(?:1|3|4)(?:-mini|-pro)?(?:-|$)/, maxOutputTokens: 100_000 },
  { provider: 'openai', model: /^gpt-5(?:\.\d+)?(?:-mini|-nano)?(?:-|$)/, maxOutputTokens: 128_000 },
  { provider: 'gemini', model: /^gemini-2\.0-flash(?:-lite)?(?:-|$)/, maxOutputTokens: 8_192 },
  { provider: 'gemini', model: /^gemini-2\.5-(?:pro|flash|flash-lite)(?:-|$)/, maxOutputTokens: 65_536 },
]

/** The published output limit of `model` on `provider`, when the table has one. */
export function publishedOutputLimit(provider: string, model: string): number | undefined {
  const name = model.startsWith('models/') ? model.slice('models/'.length) : model
  for (const row of PUBLISHED) if (row.provider === provider && row.model.test(name)) return row.maxOutputTokens
  return undefined
}
