// What a request asks for, read by its path's dialect (each wire format keeps max_tokens somewhere else): the output cap, how many answers, how many images.
import type { Dialect } from '../providers/dialect.ts'

/** The per-answer output cap (`max_tokens`, `max_output_tokens`, `generationConfig.maxOutputTokens`…), when the client sent one. */
export function requestedMaxTokens(dialect: Dialect, json: Record<string, unknown> | undefined): number | undefined {
  return json ? dialect.maxTokens(json) : undefined
}

/**
 * How many answers the request asks for (OpenAI `n`, Gemini `candidateCount`, DashScope `parameters.n`): each one
 * may use the whole output cap, so the most a request can produce is this times the cap. 1 when not given.
 */
export function requestedAnswers(dialect: Dialect, json: Record<string, unknown> | undefined): number {
  return (json ? dialect.answers(json) : undefined) ?? 1
}

/** How many images an image request may return: what the dialect says (Seedream's sequential generation), else one per answer. */
export function requestedImages(dialect: Dialect, json: Record<string, unknown> | undefined): number {
  return (json ? dialect.images?.(json) : undefined) ?? requestedAnswers(dialect, json)
}
