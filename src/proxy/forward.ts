// Sends one request upstream and streams the response back unchanged, with deadlines, abort propagation and an observer tap.
import { GatewayError, type GatewayErrorCode } from '../errors/gateway-error.ts'
import { clientResponseHeaders } from './forward-headers.ts'
import { StreamTail, type ReachedEnd } from './stream-end.ts'

/** `shutdown`: cut by the gateway's own stop after its grace period. */
export type EndedBy = 'complete' | 'client_abort' | 'upstream_error' | 'timeout' | 'shutdown'

export interface ExchangeOutcome {
  readonly endedBy: EndedBy
  /** The status the client was sent: the upstream's, or the gateway's own (502, 504, 503) when no response came. */
  readonly status: number
  /** Set when the gateway answered in the upstream's place: its error code. */
  readonly errorCode?: GatewayErrorCode
  /** Milliseconds from the start of the request to the first upstream body byte (or headers, for empty bodies). */
  readonly ttfbMs: number | null
  readonly endedAt: number
}

/** Sees the response bytes as they pass; must not block and must not parse on the request path. */
export interface ExchangeObserver {
  onHeaders?(status: number, headers: Headers): void
  onChunk?(chunk: Uint8Array): void
  onEnd(outcome: ExchangeOutcome): void
}

export interface ForwardRequest {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly body: Uint8Array | undefined
  readonly clientSignal: AbortSignal
  readonly headersTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly requestId: string
  readonly startedAt: number
  readonly observer?: ExchangeObserver
  readonly now?: () => number
  /** Aborted when the gateway stops: exchanges still running are cut and end as `shutdown`. */
  readonly shutdownSignal?: AbortSignal
  /**
   * Whether the bytes already delivered end with the stream's terminal event; asked once, only when a stream ends
   * before the upstream closed it (a client that stops reading at `[DONE]` has the whole exchange).
   */
  readonly reachedEnd?: ReachedEnd
  /** Told once when a streamed body fails after its headers went out (the client sees a cut connection). */
  readonly onStreamFailure?: (endedBy: EndedBy, error: unknown) => void
}

/** Bun's reader extension; bun-types puts it on the global reader type, which Response.body's type does not reach. */
type ManyReader = ReadableStreamDefaultReader<Uint8Array> & {
  readMany(): Promise<Bun.ReadableStreamDefaultReadManyResult<Uint8Array>> | Bun.ReadableStreamDefaultReadManyResult<Uint8Array>
}

const NO_BODY_STATUS = new Set([101, 204, 205, 304])

/**
 * A complete, non-streaming body of at most this size (declared by Content-Length) is read natively in one go:
 * no chunk pacing is lost because there is nothing to pace, and it skips a JavaScript stream per request.
 */
const WHOLE_BODY_LIMIT = 4 * 1024 * 1024

function isWholeBody(headers: Headers): boolean {
  const length = headers.get('content-length')
  if (length === null || Number(length) > WHOLE_BODY_LIMIT) return false
  const type = headers.get('content-type') ?? ''
  return !type.includes('event-stream') && !type.includes('ndjson')
}

const ABORT_MESSAGES = { client: 'client disconnected', timeout: 'upstream timed out', shutdown: 'the gateway is shutting down' } as const

class AbortCause extends Error {
  constructor(readonly kind: keyof typeof ABORT_MESSAGES) {
    super(ABORT_MESSAGES[kind])
  }
}

/** Who ended an exchange early, read from our abort reason (no reason of ours: the upstream failed). */
function endedByOf(reason: unknown): EndedBy {
  if (!(reason instanceof AbortCause)) return 'upstream_error'
  return reason.kind === 'client' ? 'client_abort' : reason.kind
}

export async function forward(request: ForwardRequest): Promise<Response> {
  const now = request.now ?? Date.now
  const controller = new AbortController()
  let ended = false
  let ttfbMs: number | null = null
  let status = 0
  const end = (endedBy: EndedBy, errorCode?: GatewayErrorCode) => {
    if (ended) return
    ended = true
    clearTimeout(watchdog)
    request.clientSignal.removeEventListener('abort', onClientAbort)
    request.shutdownSignal?.removeEventListener('abort', onShutdown)
    request.observer?.onEnd({ endedBy, status, ttfbMs, endedAt: now(), ...(errorCode ? { errorCode } : {}) })
  }
  /**
   * Before any body byte reached the client: a gone client gets nothing (status 0: nothing was sent), otherwise a
   * provider-shaped gateway error, recorded with the status it is sent with.
   */
  const fail = (error: unknown, timeoutMessage: string, unreachableMessage: string): Response => {
    const endedBy = endedByOf(controller.signal.reason)
    if (endedBy === 'client_abort') {
      end(endedBy)
      return new Response(null, { status: 499 })
    }
    const gatewayError =
      endedBy === 'timeout'
        ? new GatewayError('upstream_timeout', timeoutMessage, {}, { cause: error })
        : endedBy === 'shutdown'
          ? new GatewayError('shutting_down', 'The gateway is shutting down; retry the request.', {}, { cause: error })
          : new GatewayError('upstream_unreachable', unreachableMessage, {}, { cause: error })
    status = gatewayError.status
    end(endedBy, gatewayError.code)
    throw gatewayError
  }
  const onClientAbort = () => controller.abort(new AbortCause('client'))
  /** Set once the body streams: a stream nobody is pulling must still end (and be recorded) when it is cut. */
  let cutStream: (() => void) | undefined
  const onShutdown = () => {
    controller.abort(new AbortCause('shutdown'))
    cutStream?.()
  }
  if (request.clientSignal.aborted) onClientAbort()
  request.clientSignal.addEventListener('abort', onClientAbort)
  if (request.shutdownSignal?.aborted) onShutdown()
  request.shutdownSignal?.addEventListener('abort', onShutdown)

  // One timer per request, re-armed lazily: chunks only push the deadline later (a timestamp write), and the timer,
  // when it fires early, sleeps again until the deadline. Only a deadline moved earlier (headers in, idle limit now
  // in force) re-arms it at once, or the idle limit would wait for the headers limit to pass first.
  let deadline = now() + request.headersTimeoutMs
  let wakeAt = 0
  let watchdog: ReturnType<typeof setTimeout>
  const arm = () => {
    wakeAt = deadline
    watchdog = setTimeout(() => {
      if (ended) return
      if (deadline - now() > 0) return arm()
      controller.abort(new AbortCause('timeout'))
    }, Math.max(1, deadline - now()))
  }
  const moveDeadline = (at: number) => {
    deadline = at
    if (at < wakeAt && !ended) {
      clearTimeout(watchdog)
      arm()
    }
  }
  arm()

  let upstream: Response
  try {
    upstream = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: controller.signal,
      // Bun-only: keep compressed bodies compressed, and lift fetch's built-in 300 s limit (own deadlines above).
      decompress: false,
      timeout: false,
    } as RequestInit)
  } catch (error) {
    return fail(error, 'The upstream provider did not respond in time.', 'The upstream provider could not be reached.')
  }

  status = upstream.status
  request.observer?.onHeaders?.(upstream.status, upstream.headers)
  const headers = clientResponseHeaders(upstream.headers, request.requestId)
  const source = upstream.body
  if (!source || NO_BODY_STATUS.has(upstream.status) || request.method === 'HEAD') {
    ttfbMs = now() - request.startedAt
    end('complete')
    return new Response(null, { status: upstream.status, statusText: upstream.statusText, headers })
  }

  moveDeadline(now() + request.idleTimeoutMs)
  if (isWholeBody(upstream.headers)) {
    try {
      const bytes = new Uint8Array(await upstream.arrayBuffer())
      ttfbMs = now() - request.startedAt
      request.observer?.onChunk?.(bytes)
      end('complete')
      return new Response(bytes, { status: upstream.status, statusText: upstream.statusText, headers })
    } catch (error) {
      return fail(error, 'The upstream provider stopped sending its response.', 'The upstream connection failed while reading the response.')
    }
  }
  const reader = source.getReader() as ManyReader
  // References to the last chunks only (no copy, no scan): looked at once, if the stream ends early.
  const tail = request.reachedEnd ? new StreamTail() : undefined
  /**
   * Ends a stream the upstream did not close: complete when its terminal event already went out (the client has the
   * whole exchange), else a failure, reported once (a client leaving is no failure). Undefined if it had ended.
   */
  const endEarly = (cause: EndedBy, error: unknown): EndedBy | undefined => {
    if (ended) return undefined
    const endedBy = tail && request.reachedEnd!(tail.chunks()) ? 'complete' : cause
    end(endedBy)
    if (endedBy !== 'complete' && endedBy !== 'client_abort') request.onStreamFailure?.(endedBy, error)
    return endedBy
  }
  cutStream = () => endEarly('shutdown', controller.signal.reason)
  const body = new ReadableStream<Uint8Array>(
    {
      // readMany takes every chunk already received in one step: a burst of SSE events costs one hop, not one each.
      async pull(sink) {
        try {
          const { done, value } = await reader.readMany()
          if (value.length > 0) {
            const at = now()
            if (ttfbMs === null) ttfbMs = at - request.startedAt
            deadline = at + request.idleTimeoutMs
            for (const chunk of value) {
              request.observer?.onChunk?.(chunk)
              tail?.push(chunk)
              sink.enqueue(chunk)
            }
          }
          if (done) {
            if (ttfbMs === null) ttfbMs = now() - request.startedAt
            end('complete')
            sink.close()
          }
        } catch (error) {
          if (endEarly(endedByOf(controller.signal.reason), error) === 'complete') return sink.close()
          // No reason: Bun prints any error a response stream fails with (a source-frame dump, no request id); the
          // failure was reported once above, and the client still sees the connection cut, not a clean end. A
          // stream already cancelled refuses the call, which is fine: nobody reads it.
          try {
            sink.error()
          } catch {}
        }
      },
      cancel() {
        endEarly(request.shutdownSignal?.aborted ? 'shutdown' : 'client_abort', request.shutdownSignal?.reason)
        controller.abort(new AbortCause('client'))
        reader.cancel().catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
  return new Response(body, { status: upstream.status, statusText: upstream.statusText, headers })
}
