// Caps the proxy requests one client address has in flight before their response starts (body upload, upstream wait).
import { errorResponse } from '../errors/error-shapes.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { newId } from '../auth/key-format.ts'
import type { ResolvedProvider } from '../config.ts'
import { ConcurrencyLimiter } from '../concurrency-limiter.ts'
import { errorShapeFor } from './routes/native-route.ts'
import { parseRequestTarget } from './request-target.ts'
import { openaiErrors } from '../providers/dialects/openai/errors.ts'

export interface AddressCapOptions {
  /** Most requests per address between arrival and response headers; 0 turns the cap off. */
  readonly max: number
  readonly providers: ReadonlyMap<string, ResolvedProvider>
  /** The peer address of a request (Bun's server.requestIP); undefined when unknown, which is never capped. */
  readonly addressOf: (request: Request) => string | undefined
  /** Told of each refusal, with the request id its answer carries. */
  readonly onRefused?: (requestId: string) => void
}

type Handler = (request: Request) => Promise<Response>

/**
 * Bun.serve calls no code before a request's headers are complete, so this cannot count connections: it counts
 * the requests that reached the handler and hold a connection while their body arrives or the upstream answers.
 * A slot is freed when the handler returns (response headers ready); streams are bounded per key by max_concurrency.
 */
export function capInflightPerAddress(handler: Handler, options: AddressCapOptions): Handler {
  if (options.max <= 0) return handler
  const inFlight = new ConcurrencyLimiter()
  return async (request) => {
    const address = options.addressOf(request)
    const lease = address === undefined ? undefined : inFlight.tryAcquire(address, options.max)
    if (lease === null) return refusal(request, options)
    try {
      return await handler(request)
    } finally {
      lease?.release()
    }
  }
}

function refusal(request: Request, options: AddressCapOptions): Response {
  const requestId = newId('req')
  options.onRefused?.(requestId)
  const target = parseRequestTarget(request.url)
  const spec = target ? options.providers.get(target.provider)?.spec : undefined
  const shape = spec && target ? errorShapeFor(spec, target.path) : openaiErrors
  const error = new GatewayError('concurrency_limited', `Too many requests in flight from your address (at most ${options.max}); retry when one finishes.`, {
    'retry-after': '1',
    // Closing frees the address's connection at once, and stops Bun reading (draining) a body nobody will use.
    connection: 'close',
  })
  return errorResponse(shape, error, requestId)
}
