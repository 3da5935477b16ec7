// One webhook POST over a connection this module opens to an address already checked (src/jobs/webhook-egress.ts), keeping the URL's Host and TLS name: a resolver cannot swap the address between check and connect.
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls, rootCertificates } from 'node:tls'

/** The status line and headers of an answer: read no further (its body never is). */
const MAX_HEAD_BYTES = 16 * 1024

export interface WebhookPost {
  readonly url: URL
  /** The checked addresses, tried in order until one takes the connection (localhost may be ::1 then 127.0.0.1). */
  readonly addresses: readonly string[]
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly timeoutMs: number
  /** Extra trusted certificate authorities (PEM), beside the system's. */
  readonly caPem?: string
}

/** A connection that was never made: nothing was sent, so the next address may be tried. */
class NotConnected extends Error {}

/** HTTP/1.1, one request, `Connection: close`; resolves the answer's status, rejects on a network, TLS or protocol failure. */
export async function postWebhook(post: WebhookPost): Promise<number> {
  let last: Error = new Error('no address to connect to')
  for (const address of post.addresses) {
    try {
      return await postTo(post, address)
    } catch (error) {
      if (!(error instanceof NotConnected)) throw error
      last = error
    }
  }
  throw last
}

function postTo(post: WebhookPost, address: string): Promise<number> {
  const { url } = post
  const tls = url.protocol === 'https:'
  const port = Number(url.port || (tls ? 443 : 80))
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const body = Buffer.from(post.body)
  const head = [
    `POST ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    ...Object.entries(post.headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${body.byteLength}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n')
  return new Promise<number>((resolve, reject) => {
    let settled = false
    let socket: Socket
    const finish = (error: Error | undefined, status?: number) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(status!)
    }
    const timer = setTimeout(() => finish(new Error(`no answer within ${post.timeoutMs} ms`)), post.timeoutMs)
    let connected = false
    const send = () => {
      connected = true
      socket.write(head)
      socket.write(body)
    }
    socket = tls
      ? connectTls({
          host: address,
          port,
          // SNI and the certificate's name are the URL's host, whatever address it was reached at (no SNI for an IP literal).
          ...(hostname === address ? {} : { servername: hostname }),
          // Given CAs replace the default set: the system's are kept beside the operator's.
          ...(post.caPem ? { ca: [...rootCertificates, post.caPem] } : {}),
          rejectUnauthorized: true,
        }, send)
      : connectTcp({ host: address, port }, send)
    let received = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const end = received.indexOf('\r\n')
      if (end < 0) {
        if (received.byteLength > MAX_HEAD_BYTES) finish(new Error('the answer has no status line'))
        return
      }
      const match = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(received.subarray(0, end).toString('latin1'))
      if (!match) finish(new Error('the answer is not HTTP/1.1'))
      else finish(undefined, Number(match[1]))
    })
    socket.on('error', (error) => finish(connected ? error : new NotConnected(`${address}: ${error.message}`)))
    socket.on('close', () => finish(new Error('the connection closed before an answer')))
  })
}
