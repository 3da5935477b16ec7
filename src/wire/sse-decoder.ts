// Incremental Server-Sent Events decoder: bytes in (any chunking), complete events out.

export interface SseEvent {
  event?: string
  data: string
  id?: string
}

const LF = 10
const CR = 13

/**
 * Follows the WHATWG event-stream parsing rules, except that `end()` also dispatches a final event
 * that never got its blank line: a metering tap must not lose the last usage chunk of a stream
 * that was cut right after it.
 */
export class SseDecoder {
  private readonly decoder = new TextDecoder('utf-8')
  /** Text of the current line that has not seen its terminator yet. */
  private partial = ''
  /** The previous chunk ended on CR: a LF opening the next chunk belongs to that same CRLF. */
  private skipLeadingLf = false
  private dataLines: string[] = []
  private eventName: string | undefined
  private eventId: string | undefined
  private out: SseEvent[] = []

  push(bytes: Uint8Array): SseEvent[] {
    this.feed(this.decoder.decode(bytes, { stream: true }))
    return this.take()
  }

  /** The same for text already decoded (a whole body the caller has decoded once). */
  pushText(text: string): SseEvent[] {
    this.feed(text)
    return this.take()
  }

  end(): SseEvent[] {
    this.feed(this.decoder.decode())
    if (this.partial !== '') {
      const line = this.partial
      this.partial = ''
      this.processLine(line)
    }
    this.dispatch()
    this.skipLeadingLf = false
    return this.take()
  }

  private take(): SseEvent[] {
    const events = this.out
    this.out = []
    return events
  }

  private feed(text: string): void {
    if (text.length === 0) return
    let start = 0
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false
      if (text.charCodeAt(0) === LF) start = 1
    }
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c !== LF && c !== CR) continue
      const line = this.partial + text.slice(start, i)
      this.partial = ''
      this.processLine(line)
      if (c === CR) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === LF) i++
        } else {
          this.skipLeadingLf = true
        }
      }
      start = i + 1
    }
    if (start < text.length) this.partial += text.slice(start)
  }

  private processLine(line: string): void {
    if (line === '') {
      this.dispatch()
      return
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    // Exactly one leading space is syntax; DashScope omits it, so both forms must work.
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    switch (field) {
      case 'data':
        this.dataLines.push(value)
        break
      case 'event':
        this.eventName = value
        break
      case 'id':
        if (!value.includes('\u0000')) this.eventId = value
        break
      default:
        // `retry:` and unknown fields carry nothing a meter needs.
        break
    }
  }

  private dispatch(): void {
    if (this.dataLines.length > 0) {
      const ev: SseEvent = { data: this.dataLines.join('\n') }
      if (this.eventName !== undefined && this.eventName !== '') ev.event = this.eventName
      if (this.eventId !== undefined) ev.id = this.eventId
      this.out.push(ev)
    }
    this.dataLines = []
    this.eventName = undefined
    this.eventId = undefined
  }
}
