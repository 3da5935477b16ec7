// A fetch for SDK clients that records the exact response bytes the client received (via tee, so streaming is kept).
import { concatBytes } from './fake-upstream.ts'

export interface Captured {
  status: number
  headers: Headers
  bytes: Promise<Uint8Array>
}

export function capturingFetch(): { fetch: typeof fetch; captured: Captured[] } {
  const captured: Captured[] = []
  const wrapped = (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, { ...init, decompress: false } as RequestInit)
    if (!response.body) {
      captured.push({ status: response.status, headers: response.headers, bytes: Promise.resolve(new Uint8Array()) })
      return response
    }
    const [forClient, forTest] = response.body.tee()
    const bytes = (async () => {
      const parts: Uint8Array[] = []
      for await (const part of forTest) parts.push(part)
      return concatBytes(parts)
    })()
    captured.push({ status: response.status, headers: response.headers, bytes })
    return new Response(forClient, { status: response.status, statusText: response.statusText, headers: response.headers })
  }) as typeof fetch
  return { fetch: wrapped, captured }
}
