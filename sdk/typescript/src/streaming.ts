// A streamed answer as an async iterator of parsed chunks; `controller.abort()` or leaving the loop closes it.
import { APIConnectionError, APIError, APITimeoutError, errorMessage, isRecord } from './errors.ts'
import { events } from './sse.ts'

export class Stream<Item> implements AsyncIterable<Item> {
  /** Aborting it ends the iteration quietly and closes the connection. */
  readonly controller: AbortController
  readonly response: Response
  readonly requestID: string | null
  private started = false
  private readonly idleTimeoutMs: number
  private readonly release: () => void

  constructor(response: Response, controller: AbortController, idleTimeoutMs: number, release: () => void = () => {}) {
    this.response = response
    this.controller = controller
    this.requestID = response.headers.get('x-sociaro-request-id') || response.headers.get('x-request-id')
    this.idleTimeoutMs = idleTimeoutMs
    this.release = release
  }

  /**
   * Ends at `data: [DONE]` or at the end of the body. An `error` event (or an unnamed chunk carrying `error`) throws
   * APIError; a connection cut mid-stream APIConnectionError; no chunk within the timeout APITimeoutError.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Item> {
    if (this.started) throw new APIError('A stream can be iterated only once.')
    this.started = true
    const body = this.response.body
    if (!body) return
    const reader = body.getReader()
    let timedOut = false
    const chunks = async function* (this: Stream<Item>): AsyncGenerator<Uint8Array> {
      for (;;) {
        let timer: ReturnType<typeof setTimeout> | undefined
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true
            reject(new APITimeoutError('No stream data within the timeout.'))
          }, this.idleTimeoutMs)
        })
        let result: Awaited<ReturnType<typeof reader.read>>
        try {
          result = await Promise.race([reader.read(), idle])
        } finally {
          clearTimeout(timer)
        }
        if (result.done) return
        yield result.value
      }
    }.call(this)
    try {
      for await (const sse of events(chunks)) {
        // Events already received in the same network chunk are dropped once the caller aborted.
        if (this.controller.signal.aborted || sse.data.startsWith('[DONE]')) return
        let parsed: unknown
        try {
          parsed = JSON.parse(sse.data)
        } catch {
          throw new APIConnectionError(`The stream sent an event that is not JSON: ${sse.data.slice(0, 200)}`)
        }
        if (sse.event === 'error' || (sse.event === null && isRecord(parsed) && parsed.error != null)) {
          throw new APIError(errorMessage(null, parsed), parsed, this.requestID)
        }
        yield parsed as Item
      }
    } catch (error) {
      if (timedOut) throw error instanceof APITimeoutError ? error : new APITimeoutError('No stream data within the timeout.')
      if (this.controller.signal.aborted) return
      if (error instanceof APIError) throw error
      throw new APIConnectionError(`The connection broke during the stream: ${(error as Error)?.message ?? error}`, { cause: error })
    } finally {
      // Leaving early (break, return, an error) hangs up on the server instead of draining the rest.
      reader.cancel().catch(() => {})
      if (!this.controller.signal.aborted) this.controller.abort()
      this.release()
    }
  }
}
