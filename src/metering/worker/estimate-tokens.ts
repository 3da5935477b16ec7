// Token estimate for responses that carried no usage (e.g. streams without include_usage), via o200k_base, bounded per job and per batch.
import type { Dialect } from '../../providers/dialect.ts'
import type { Usage } from '../../types/usage.ts'
import type { PromptCount } from '../../wire/prompt-text.ts'
import { countTextTokens, TokenBudget } from './token-count.ts'

/** Where a request keeps its prompt text: its dialect's reader (the shape differs by wire format). */
export type PromptReader = Dialect['prompt']

/** Rough per-message framing cost (role markers, separators) in OpenAI's chat format. */
const PER_MESSAGE_OVERHEAD = 4
/**
 * One job tokenizes at most this much (request and completion together), and stops at JOB_TOKENIZE_MS once past
 * JOB_UNTIMED_CHARS; the rest is extrapolated. Prose tokenizes at about 0.15 s per MiB, random letters or base64 at
 * 1 to 4 s per MiB (test/bench/estimate-tokens.ts).
 */
export const JOB_TOKENIZE_CHARS = 256 * 1024
export const JOB_TOKENIZE_MS = 50
export const JOB_UNTIMED_CHARS = 8 * 1024
/** A batch stops tokenizing this long after it began: later jobs are estimated from their byte counts, so no batch's rows wait long. */
export const BATCH_TOKENIZE_MS = 250

export interface TokenEstimate {
  usage: Usage
  /** How the estimate was approximated beyond plain tokenizing, for the row's cost detail; null when it was not. */
  note: string | null
}

export function estimateUsage(requestBody: Uint8Array, completionText: string, prompt: PromptReader, budget = jobBudget(Infinity)): TokenEstimate {
  // The budget is spent in order: the smaller side first, so that it is tokenized whole and only the large one extrapolated.
  const notes: string[] = []
  const countOutput = () => safe(() => countTextTokens(completionText, budget))
  const countInput = () => safe(() => promptTokens(requestBody, prompt, budget, notes))
  let inputTokens: number
  let outputTokens: number
  if (requestBody.byteLength <= completionText.length) {
    inputTokens = countInput()
    outputTokens = countOutput()
  } else {
    outputTokens = countOutput()
    inputTokens = countInput()
  }
  return {
    usage: { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    note: [...notes, budget.note()].filter(Boolean).join('; ') || null,
  }
}

function jobBudget(batchDeadline: number, now: () => number = () => performance.now()): TokenBudget {
  const start = now()
  if (start >= batchDeadline) return new TokenBudget(0, start, now)
  return new TokenBudget(JOB_TOKENIZE_CHARS, Math.min(start + JOB_TOKENIZE_MS, batchDeadline), now, JOB_UNTIMED_CHARS)
}

/** An estimator for one batch: each job gets its own budget, and none past the batch's deadline. */
export function batchEstimator(now: () => number = () => performance.now()): (requestBody: Uint8Array, completionText: string, prompt: PromptReader) => TokenEstimate {
  const deadline = now() + BATCH_TOKENIZE_MS
  return (requestBody, completionText, prompt) => estimateUsage(requestBody, completionText, prompt, jobBudget(deadline, now))
}

// The tokenizer builds its tables on first use: pay that when the module loads, not inside the first job's budget.
countTextTokens('warm up', new TokenBudget(Infinity, Infinity))

function safe(count: () => number): number {
  try {
    return count()
  } catch {
    return 0
  }
}

function promptTokens(requestBody: Uint8Array, prompt: PromptReader, budget: TokenBudget, notes: string[]): number {
  let body: unknown
  const text = new TextDecoder().decode(requestBody)
  try {
    body = JSON.parse(text)
  } catch {
    if (!/^\s*[{[]/.test(text.slice(0, 64))) return 0 // multipart uploads and other non-JSON bodies have no countable prompt text
    // A JSON body longer than the meter's copy of it (1 MiB) arrives cut and does not parse: its text counts, not nothing.
    notes.push('the request body is not whole JSON (longer than the meter keeps?): its text was counted as the prompt')
    return countTextTokens(text, budget)
  }
  const acc: PromptCount = { texts: [], messages: 0, preCounted: 0 }
  prompt(body, acc)
  const textTokens = acc.texts.reduce((sum, t) => sum + countTextTokens(t, budget), 0)
  return textTokens + acc.preCounted + acc.messages * PER_MESSAGE_OVERHEAD
}
