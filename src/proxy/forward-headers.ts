// Builds the upstream request headers and the client response headers: everything passes except framing, hop-by-hop and auth.
import type { ProviderSpec } from '../providers/spec.ts'

/** RFC 9110 §7.6.1 connection-specific fields, plus framing that fetch and Bun.serve compute themselves. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate']

const CLIENT_AUTH = ['authorization', 'x-api-key', 'x-goog-api-key']

/**
 * Headers a proxy or framework in front of the upstream may trust for the client's address, the original URL or the
 * method: a client must not be able to set them through the gateway (`x-forwarded-*` is dropped by prefix).
 */
const ROUTING_AND_IDENTITY = [
  'forwarded',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-original-host',
  'x-host',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-real-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
]

/** RFC 9110 field-name token: a `Connection` option that is not one cannot name a header (and Headers.delete would throw). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** RFC 9110 §7.6.1: the fields a `Connection` header names are hop-by-hop too, and a proxy removes them. */
function connectionOptions(incoming: Headers): string[] {
  const value = incoming.get('connection')
  if (!value) return []
  return value.split(',').map((option) => option.trim()).filter((option) => TOKEN.test(option))
}

/** `auth`: how the credential is sent, when the route says otherwise than the provider (default `spec.upstreamAuth`). */
export function upstreamRequestHeaders(incoming: Headers, spec: ProviderSpec, credential: string, auth: ProviderSpec['upstreamAuth'] = spec.upstreamAuth): Headers {
  const headers = new Headers(incoming)
  for (const name of connectionOptions(incoming)) headers.delete(name)
  for (const name of HOP_BY_HOP) headers.delete(name)
  for (const name of ROUTING_AND_IDENTITY) headers.delete(name)
  for (const name of CLIENT_AUTH) headers.delete(name)
  for (const name of spec.dropHeaders ?? []) headers.delete(name)
  headers.delete('host')
  headers.delete('content-length')
  headers.delete('cookie')
  headers.delete('x-sociaro-user')
  headers.delete('x-sociaro-tags')
  for (const name of incoming.keys()) if (name.startsWith('x-forwarded-')) headers.delete(name)
  // fetch would otherwise advertise gzip/br/zstd for a client that never asked for compression.
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'identity')
  headers.set(auth.header, `${auth.prefix ?? ''}${credential}`)
  return headers
}

export function clientResponseHeaders(upstream: Headers, requestId: string): Headers {
  const headers = new Headers(upstream)
  for (const name of HOP_BY_HOP) headers.delete(name)
  headers.set('x-sociaro-request-id', requestId)
  // Reverse proxies in front of the gateway (nginx) must not buffer a stream.
  if (headers.get('content-type')?.includes('text/event-stream') && !headers.has('x-accel-buffering')) {
    headers.set('x-accel-buffering', 'no')
  }
  return headers
}
