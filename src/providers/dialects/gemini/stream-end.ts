// How native Gemini streams end: the last chunk carries a finishReason, as an SSE event (alt=sse) or a closed JSON array.
import { lastEvent, tailText, type ReachedEnd } from '../../../wire/stream-tail-text.ts'

/** JSON strings escape newlines, so a line starting `data:` means SSE; otherwise the stream is one JSON array closed by `]`. */
export const geminiStreamEnd: ReachedEnd = (chunks) => {
  const { text, complete } = tailText(chunks)
  if (!/(^|\n)data:/.test(text)) {
    const end = text.trimEnd()
    return end.endsWith(']') && end.lastIndexOf('"finishReason"') > end.lastIndexOf('"candidates"')
  }
  const event = lastEvent(text, complete)
  return event !== undefined && event.data.includes('"finishReason"')
}
