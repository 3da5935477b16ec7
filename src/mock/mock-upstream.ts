// The built-in mock provider's upstream: a Bun.serve on loopback that speaks the OpenAI and Anthropic wire formats.
import * as anthropic from './anthropic-wire.ts'
import * as openai from './openai-wire.ts'
import { anthropicError, openAIError } from './wire-response.ts'

export interface MockUpstream {
  /** `http://127.0.0.1:<port>`: the mock provider's base URL. */
  readonly url: string
  /** The credential the gateway sends; anything else is refused, as a real provider refuses a wrong key. */
  readonly credential: string
  stop(): Promise<void>
}

export interface MockUpstreamOptions {
  /** The largest body the gateway forwards; the mock accepts no more. */
  readonly maxBodyBytes: number
}

type Handler = (json: Record<string, unknown>, model: string) => Response

/** The POST endpoints and the wire format each one answers in. */
const GENERATE: Record<string, { handler: Handler; anthropic: boolean }> = {
  '/v1/chat/completions': { handler: openai.chatCompletion, anthropic: false },
  '/v1/responses': { handler: openai.response, anthropic: false },
  '/v1/embeddings': { handler: openai.embeddings, anthropic: false },
  '/v1/messages': { handler: anthropic.message, anthropic: true },
  '/v1/messages/count_tokens': { handler: (json) => anthropic.countTokens(json), anthropic: true },
}

const MODEL_PATH = /^\/v1\/models\/([^/]+)$/

function presented(request: Request): string | undefined {
  const authorization = request.headers.get('authorization')
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7)
  return request.headers.get('x-api-key') ?? undefined
}

async function route(request: Request, credential: string): Promise<Response> {
  const { pathname } = new URL(request.url)
  const endpoint = GENERATE[pathname]
  const anthropicShaped = endpoint?.anthropic ?? request.headers.has('anthropic-version')
  const refuse = (status: number, message: string, code: string | null) =>
    anthropicShaped ? anthropicError(status, message, status === 401 ? 'authentication_error' : 'invalid_request_error') : openAIError(status, message, code)
  if (presented(request) !== credential) return refuse(401, 'Invalid API key for the mock provider.', 'invalid_api_key')

  if (request.method === 'GET' && pathname === '/v1/models') return anthropicShaped ? anthropic.models() : openai.models()
  const modelPath = request.method === 'GET' ? MODEL_PATH.exec(pathname) : null
  if (modelPath) {
    const id = decodeURIComponent(modelPath[1]!)
    return anthropicShaped ? anthropic.model(id) : openai.model(id)
  }
  if (!endpoint) return refuse(404, `The mock provider has no ${request.method} ${pathname}.`, 'not_found')
  if (request.method !== 'POST') return refuse(405, `${pathname} takes POST.`, null)

  let json: unknown
  try {
    json = await request.json()
  } catch {
    return refuse(400, 'The request body is not valid JSON.', null)
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return refuse(400, 'The request body must be a JSON object.', null)
  const model = (json as Record<string, unknown>).model
  if (typeof model !== 'string' || model === '') return refuse(400, "'model' is required.", null)
  return endpoint.handler(json as Record<string, unknown>, model)
}

/** Listens on 127.0.0.1 with a port of the system's choosing: nothing outside this host can reach it. */
export function startMockUpstream(options: MockUpstreamOptions): MockUpstream {
  const credential = `mock_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('hex')}`
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    maxRequestBodySize: options.maxBodyBytes,
    idleTimeout: 30,
    fetch: (request) => route(request, credential),
    error: () => openAIError(500, 'The mock provider failed.', null, 'api_error'),
  })
  // The gateway's own server keeps the process alive; this one must not (a gateway that failed to start exits).
  server.unref()
  return {
    url: `http://127.0.0.1:${server.port}`,
    credential,
    stop: () => server.stop(true),
  }
}
