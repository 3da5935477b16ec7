// Reading the last event of a stream's delivered tail, for any SSE wire format: cheap, front-only, never a full parse.

/** Asked once per stream that ended before its upstream closed it, with the last chunks it delivered, in order. */
export type ReachedEnd = (tail: readonly Uint8Array[]) => boolean

/** Marks a window that does not begin at the stream's start (so a first event without a blank line before it is a fragment). */
export const CUT = new Uint8Array(0)

export interface LastEvent {
  /** The `event:` field, or "". */
  name: string
  /** The `data:` lines joined, as the SSE spec does. */
  data: string
}

/** The tail as text, and whether it begins at the stream's first byte. */
export function tailText(tail: readonly Uint8Array[]): { text: string; complete: boolean } {
  const complete = tail[0] !== CUT
  // latin1: a byte per character, no validation; every marker looked for is ASCII.
  return { text: Buffer.concat(tail as Uint8Array[]).toString('latin1'), complete }
}

/** The last whole SSE event in `text` (the stream's end); undefined when its start is outside the window. */
export function lastEvent(text: string, complete: boolean): LastEvent | undefined {
  const end = text.trimEnd()
  const boundary = Math.max(end.lastIndexOf('\n\n'), end.lastIndexOf('\r\n\r\n'), end.lastIndexOf('\r\r'))
  if (boundary < 0 && !complete) return undefined
  let name = ''
  const data: string[] = []
  for (const line of end.slice(boundary + 1).split(/\r\n|\r|\n/)) {
    if (line.startsWith('event:')) name = line.slice(6).trim()
    else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
  }
  return { name, data: data.join('\n') }
}

/** `{"type":"x",…` → "x", read from the front without parsing what may be a very large object. */
export function leadingType(data: string): string | undefined {
  return /^\s*\{\s*"type"\s*:\s*"([^"\\]{1,64})"/.exec(data)?.[1]
}

/** A check that the stream's last SSE event is terminal, by the dialect's rule for one event. */
export function lastSseEventIs(ended: (event: LastEvent) => boolean): ReachedEnd {
  return (chunks) => {
    const { text, complete } = tailText(chunks)
    const event = lastEvent(text, complete)
    return event !== undefined && ended(event)
  }
}
