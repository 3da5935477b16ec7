// A stream's last delivered chunks, kept as references for its dialect's terminal-event check (src/providers/dialects/), read once.
import { CUT, type ReachedEnd } from '../wire/stream-tail-text.ts'

export type { ReachedEnd }
// The check for a route's streams comes from its provider's dialect; tests and benches reach it here too.
export { streamEndCheck } from '../providers/provider-wire.ts'

/**
 * How much of a stream's end is kept (by reference: the chunks already exist) for that one question. A terminal
 * event longer than this (a Responses `response.completed` carrying a huge output) is not seen here; the meter
 * worker, which decodes the whole recorded body, still marks such a row complete.
 */
export const TAIL_WINDOW_BYTES = 256 * 1024

/** The last chunks of a stream, at least TAIL_WINDOW_BYTES of them when there are: O(1) amortized per chunk. */
export class StreamTail {
  private parts: Uint8Array[] = []
  /** Index of the oldest kept chunk: older slots hold nothing, and the array is compacted now and then. */
  private start = 0
  private bytes = 0

  push(chunk: Uint8Array): void {
    this.parts.push(chunk)
    this.bytes += chunk.byteLength
    while (this.parts.length - this.start > 1 && this.bytes - this.parts[this.start]!.byteLength >= TAIL_WINDOW_BYTES) {
      this.bytes -= this.parts[this.start]!.byteLength
      // Let go of the chunk itself at once; only its slot waits for the compaction.
      this.parts[this.start++] = CUT
    }
    if (this.start >= 1024 && this.start * 2 >= this.parts.length) {
      this.parts = this.parts.slice(this.start - 1)
      this.start = 1
    }
  }

  /** In order; a leading CUT when older chunks were let go (the window does not begin at the stream's first byte). */
  chunks(): readonly Uint8Array[] {
    return this.start > 0 ? this.parts.slice(this.start - 1) : this.parts
  }
}
