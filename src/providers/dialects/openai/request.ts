// What the gateway reads in an OpenAI-shaped request: the output cap, the answer count, the prompt text.
import { isRecord } from '../../../wire/body.ts'
import { collectContent, collectInput, collectMessages, type PromptCount } from '../../../wire/prompt-text.ts'
import { positiveInt } from '../../../wire/request-fields.ts'

/** Chat's `max_completion_tokens` (or the older `max_tokens`), Responses' `max_output_tokens`. */
export function openaiMaxTokens(json: Record<string, unknown>): number | undefined {
  return positiveInt(json.max_completion_tokens) ?? positiveInt(json.max_tokens) ?? positiveInt(json.max_output_tokens)
}

export function openaiAnswers(json: Record<string, unknown>): number | undefined {
  return positiveInt(json.n)
}

/** System text, Responses instructions, completions' prompt, chat messages, and `input` in its many forms. */
export function openaiPrompt(body: unknown, acc: PromptCount): void {
  if (!isRecord(body)) return
  for (const key of ['system', 'instructions', 'prompt'] as const) collectContent(body[key], acc)
  if (Array.isArray(body.messages)) collectMessages(body.messages, acc)
  collectInput(body.input, acc)
}
