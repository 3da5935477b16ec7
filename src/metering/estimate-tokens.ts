// Token estimate for responses that carried no usage (e.g. streams without include_usage), via o200k_base.
import { isRecord } from './usage/body.ts'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import type { Usage } from './usage-types.ts'

/** Rough per-message framing cost (role markers, separators) in OpenAI's chat format. */
const PER_MESSAGE_OVERHEAD = 4

export function estimateUsage(requestBody: Uint8Array, completionText: string): Usage {
  return {
    inputTokens: safe(() => promptTokens(requestBody)),
    outputTokens: safe(() => tokens(completionText)),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  }
}

function safe(count: () => number): number {
  try {
    return count()
  } catch {
    return 0
  }
}

function tokens(text: string): number {
  if (text === '') return 0
  // Request text may legitimately contain "<|endoftext|>" and friends; count them as plain text.
  return countTokens(text, { disallowedSpecial: new Set() })
}

function promptTokens(requestBody: Uint8Array): number {
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder().decode(requestBody))
  } catch {
    return 0 // multipart uploads and other non-JSON bodies have no countable prompt text
  }
  const acc: Acc = { texts: [], messages: 0, preCounted: 0 }
  collectRequest(body, acc)
  // DashScope native nests messages/prompt under `input`.
  if (isRecord(body) && isRecord(body.input)) collectRequest(body.input, acc)
  const textTokens = acc.texts.reduce((sum, t) => sum + tokens(t), 0)
  return textTokens + acc.preCounted + acc.messages * PER_MESSAGE_OVERHEAD
}

interface Acc {
  texts: string[]
  messages: number
  /** Tokens given as id arrays (embeddings input), already counted. */
  preCounted: number
}

function collectRequest(body: unknown, acc: Acc): void {
  if (!isRecord(body)) return
  for (const key of ['system', 'instructions', 'prompt'] as const) collectContent(body[key], acc)
  if (Array.isArray(body.messages)) collectMessages(body.messages, acc)
  // Gemini: contents[].parts[].text and systemInstruction.parts[].text.
  if (Array.isArray(body.contents)) collectMessages(body.contents, acc)
  if (isRecord(body.systemInstruction)) collectContent(body.systemInstruction.parts, acc)
  const input = body.input
  if (typeof input === 'string') acc.texts.push(input)
  else if (Array.isArray(input)) {
    for (const item of input) {
      if (typeof item === 'string') acc.texts.push(item)
      else if (Array.isArray(item)) countIdArray(item, acc)
      else if (isRecord(item)) collectMessages([item], acc)
    }
  }
}

/** Embedding inputs may already be token id arrays: their length is the count. */
function countIdArray(ids: unknown[], acc: Acc): void {
  if (ids.every((x) => typeof x === 'number')) acc.preCounted += ids.length
}

function collectMessages(messages: unknown[], acc: Acc): void {
  for (const m of messages) {
    if (!isRecord(m)) continue
    acc.messages++
    collectContent(m.content, acc)
    collectContent(m.parts, acc)
    if (Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) {
        const args = isRecord(call) && isRecord(call.function) ? call.function.arguments : undefined
        if (typeof args === 'string') acc.texts.push(args)
      }
    }
  }
}

/** A content value is a string, a list of strings, or a list of parts that have `text` or nested `content`. */
function collectContent(content: unknown, acc: Acc): void {
  if (typeof content === 'string') {
    acc.texts.push(content)
    return
  }
  if (!Array.isArray(content)) return
  for (const part of content) {
    if (typeof part === 'string') acc.texts.push(part)
    else if (isRecord(part)) {
      if (typeof part.text === 'string') acc.texts.push(part.text)
      else collectContent(part.content, acc)
    }
  }
}
