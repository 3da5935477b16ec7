// Writes log lines off the request path: callers queue a record, a short timer formats and writes the batch; bounded, never blocking.

/** Where batches go: `write` returns false when the destination is backed up, and `onDrain` says when it takes more. */
export interface LineSink {
  write(text: string): boolean
  onDrain(resume: () => void): void
}

/** stdout as a sink: Node's stream contract (false from write, then one 'drain'). */
export function stdoutSink(stream: NodeJS.WriteStream = process.stdout): LineSink {
  return {
    write: (text) => stream.write(text),
    onDrain: (resume) => void stream.once('drain', resume),
  }
}

export interface LineWriterOptions<T> {
  readonly sink: LineSink
  readonly format: (record: T) => string
  /** How long a queued record may wait before its batch is written. */
  readonly flushIntervalMs?: number
  /** Records held while the sink is backed up; beyond this new ones are dropped and counted. */
  readonly maxQueued?: number
}

export class LineWriter<T> {
  private queue: T[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private blocked = false
  /** Records dropped because the sink stayed backed up (a stalled stdout pipe): exported as a metric. */
  dropped = 0
  written = 0
  private readonly flushIntervalMs: number
  private readonly maxQueued: number

  constructor(private readonly options: LineWriterOptions<T>) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50
    this.maxQueued = options.maxQueued ?? 10_000
  }

  /** Hot path: an array push and, at most, arming one timer. Formatting and writing happen later, in a batch. */
  add(record: T): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++
      return
    }
    this.queue.push(record)
    if (!this.blocked) this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs)
  }

  /** Formats and writes everything queued in one write; stops at backpressure until the sink drains. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.blocked || this.queue.length === 0) return
    const batch = this.queue
    this.queue = []
    let text = ''
    for (const record of batch) text += this.options.format(record)
    this.written += batch.length
    let accepted: boolean
    try {
      accepted = this.options.sink.write(text)
    } catch {
      // A closed stdout (EPIPE) must not take a request down with it: the lines are lost, and counted.
      this.written -= batch.length
      this.dropped += batch.length
      return
    }
    if (!accepted) {
      // The sink kept this batch; nothing more is handed over until it has room again.
      this.blocked = true
      this.options.sink.onDrain(() => {
        this.blocked = false
        if (this.queue.length > 0) this.flush()
      })
    }
  }

  get queued(): number {
    return this.queue.length
  }
}
