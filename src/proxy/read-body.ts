// Reads a request body once, as bytes, refusing it as soon as it exceeds the gateway's limit.
import { concatBytes } from '../concat-bytes.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export async function readBody(request: Request, limit: number): Promise<Uint8Array | undefined> {
  if (!request.body) return undefined
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit)
  // With a declared length Bun reads exactly that many bytes natively; only chunked uploads need counting here.
  if (declared !== null) return new Uint8Array(await request.arrayBuffer())
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks, size)
}

/** Whether the request announces a body (a non-zero length or chunked framing), judged from its headers alone. */
export function declaresBody(headers: Headers): boolean {
  const length = headers.get('content-length')
  return (length !== null && length !== '0') || headers.has('transfer-encoding')
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('body_too_large', `Request body is larger than the gateway's limit of ${limit} bytes.`)
}
