// Loopback fake provider servers: record what arrived, answer with scripted bytes, delays and failures.
export interface RecordedRequest {
  method: string
  url: string
  path: string
  headers: Headers
  body: Uint8Array
}

export interface FakeUpstream {
  readonly url: string
  readonly requests: RecordedRequest[]
  /** Requests whose response stream was cancelled by the gateway (client went away). */
  readonly cancelled: string[]
  stop(): void
}

export type FakeHandler = (request: RecordedRequest) => Response | Promise<Response>

export function startFakeUpstream(handler: FakeHandler): FakeUpstream {
  const requests: RecordedRequest[] = []
  const cancelled: string[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const recorded: RecordedRequest = {
        method: request.method,
        url: request.url,
        path: url.pathname,
        headers: request.headers,
        body: new Uint8Array(await request.arrayBuffer()),
      }
      requests.push(recorded)
      const response = await handler(recorded)
      return response
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    cancelled,
    stop: () => server.stop(true),
  }
}

export interface ScriptStep {
  /** Bytes to send (strings are UTF-8 encoded). */
  send?: string | Uint8Array
  /** Milliseconds to wait before the next step. */
  wait?: number
  /** Fail the stream here (the connection is cut mid-body). */
  fail?: boolean
}

/** A streamed body that plays `steps`, and reports when the reader cancels it. */
export function scriptedBody(steps: ScriptStep[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let index = 0
  let cancelled = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (index < steps.length) {
        const step = steps[index++]!
        if (cancelled) return
        if (step.fail) {
          controller.error(new Error('upstream cut the stream'))
          return
        }
        if (step.send !== undefined) {
          controller.enqueue(typeof step.send === 'string' ? new TextEncoder().encode(step.send) : step.send)
        }
        // The chunk is already readable; the pause delays only what follows it.
        if (step.wait) await Bun.sleep(step.wait)
        if (step.send !== undefined) return
      }
      controller.close()
    },
    cancel() {
      cancelled = true
      onCancel?.()
    },
  })
}

export function sha256(bytes: Uint8Array | ArrayBuffer | string): string {
  return new Bun.CryptoHasher('sha256').update(bytes).digest('hex')
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}
