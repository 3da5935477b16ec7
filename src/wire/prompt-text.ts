// Collecting a request's prompt text for a token estimate: the shared walkers over messages and content parts.
import { isRecord } from './body.ts'

/** What a dialect's prompt reader gathers from one request body. */
export interface PromptCount {
  texts: string[]
  /** Messages seen: each costs a few framing tokens. */
  messages: number
  /** Tokens given as id arrays (embeddings input), already counted. */
  preCounted: number
}

/** Embedding inputs may already be token id arrays: their length is the count. */
export function countIdArray(ids: unknown[], acc: PromptCount): void {
  if (ids.every((x) => typeof x === 'number')) acc.preCounted += ids.length
}

/** Messages (chat, Anthropic) or contents (Gemini): each one's content or parts, and tool call arguments. */
export function collectMessages(messages: unknown[], acc: PromptCount): void {
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
export function collectContent(content: unknown, acc: PromptCount): void {
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

/** An `input` that is a string, a list of strings, of token id arrays, or of message items (embeddings, Responses). */
export function collectInput(input: unknown, acc: PromptCount): void {
  if (typeof input === 'string') acc.texts.push(input)
  else if (Array.isArray(input)) {
    for (const item of input) {
      if (typeof item === 'string') acc.texts.push(item)
      else if (Array.isArray(item)) countIdArray(item, acc)
      else if (isRecord(item)) collectMessages([item], acc)
    }
  }
}
