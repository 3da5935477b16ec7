// Keeps a bounded copy of a response's bytes for the meter: all of it when small, head and tail when huge, none for media.

/** Bodies up to this size are kept whole. */
export const KEEP_WHOLE_BYTES = 4 * 1024 * 1024
const HEAD_BYTES = 512 * 1024
const TAIL_BYTES = 2 * 1024 * 1024

/** Media bodies carry no usage: counting their length is enough. */
export function isOpaqueMedia(contentType: string): boolean {
  return /^(audio|image|video)\/|application\/(octet-stream|zip|pdf)/.test(contentType)
}

export class ResponseRecorder {
  private head: Uint8Array[] = []
  private headBytes = 0
  private tail: Uint8Array[] = []
  private tailBytes = 0
  private total = 0
  private truncated = false

  constructor(private readonly keep: boolean) {}

  push(chunk: Uint8Array): void {
    this.total += chunk.byteLength
    if (!this.keep) return
    if (!this.truncated && this.headBytes + chunk.byteLength <= KEEP_WHOLE_BYTES) {
      this.head.push(chunk)
      this.headBytes += chunk.byteLength
      return
    }
    if (!this.truncated) {
      // Past the whole-body limit: keep the first HEAD_BYTES, roll the rest through a tail window. The chunks are
      // split by reference (this runs inside the stream pump: no copy of megabytes here).
      this.truncated = true
      const kept = this.head
      this.head = []
      this.headBytes = 0
      for (const piece of kept) {
        const room = HEAD_BYTES - this.headBytes
        if (room > 0) {
          const front = room >= piece.byteLength ? piece : piece.subarray(0, room)
          this.head.push(front)
          this.headBytes += front.byteLength
          if (front === piece) continue
        }
        const rest = room > 0 ? piece.subarray(room) : piece
        this.tail.push(rest)
        this.tailBytes += rest.byteLength
      }
    }
    this.tail.push(chunk)
    this.tailBytes += chunk.byteLength
    while (this.tailBytes - (this.tail[0]?.byteLength ?? 0) >= TAIL_BYTES) this.tailBytes -= this.tail.shift()!.byteLength
  }

  /** The retained chunks, in order; the channel copies them once into the batch it sends. */
  take(): { parts: Uint8Array[]; truncated: boolean } {
    if (!this.keep || this.total === 0) return { parts: [], truncated: false }
    const parts = this.truncated ? [...this.head, ...this.tail] : this.head
    this.head = []
    this.tail = []
    return { parts, truncated: this.truncated }
  }
}
