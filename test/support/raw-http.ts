// Hand-written HTTP/1.1 over a raw socket, for targets and header sets that fetch would normalize.

export interface RawResponse {
  status: number
  head: string
  headers: Map<string, string>
  body: string
}

/** Sends exact bytes to the gateway (fetch would normalize the target) and reads the whole response. */
export function sendRaw(port: number, text: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const all = Buffer.concat(chunks).toString('utf8')
      const headEnd = all.indexOf('\r\n\r\n')
      if (headEnd < 0) return reject(new Error(`no HTTP response: ${JSON.stringify(all)}`))
      const head = all.slice(0, headEnd)
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
      let body = all.slice(headEnd + 4)
      if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) body = dechunk(body)
      resolve({ status: Number(statusLine.split(' ')[1]), head, headers, body })
    }
    const timer = setTimeout(finish, 2_000)
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open: (socket) => void socket.write(text),
        data: (_socket, chunk) => void chunks.push(Buffer.from(chunk)),
        close: finish,
        end: finish,
        error: finish,
      },
    }).catch(reject)
  })
}

function dechunk(text: string): string {
  let out = ''
  let at = 0
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at)
    if (lineEnd < 0) return out
    const size = parseInt(text.slice(at, lineEnd), 16)
    if (!size) return out
    out += text.slice(lineEnd + 2, lineEnd + 2 + size)
    at = lineEnd + 2 + size + 2
  }
}

/** `head` with LF line ends (sent as CRLF), then `body`. */
export function rawRequest(baseUrl: string, head: string, body = ''): Promise<RawResponse> {
  return sendRaw(Number(new URL(baseUrl).port), `${head.replace(/\n/g, '\r\n')}\r\n\r\n${body}`)
}

export interface UploadOptions {
  /** Body bytes announced (Content-Length) or streamed (chunked) after the head. */
  readonly bodyBytes: number
  readonly chunked?: boolean
  /** Stop writing after this many body bytes and only wait for the answer (the rest is never sent). */
  readonly pauseAfter?: number
  /** Give up waiting after this long. */
  readonly timeoutMs?: number
}

export interface UploadResult {
  /** 0 when no response arrived. */
  readonly status: number
  readonly head: string
  /** Body bytes the socket took before the server closed it (or the upload ended). */
  readonly bodyBytesSent: number
  /** Body bytes sent when the first response byte arrived (-1: none arrived). */
  readonly bodyBytesAtResponse: number
  /** The server closed the connection before the whole body was sent. */
  readonly cutOff: boolean
  readonly elapsedMs: number
}

/**
 * Uploads a large body (`head` with LF line ends) as fast as the server takes it, and reports how much it took
 * before answering and before closing: the proof of whether a refused body was read, drained or cut.
 */
export function streamUpload(port: number, head: string, options: UploadOptions): Promise<UploadResult> {
  const piece = Buffer.alloc(64 * 1024, 0x61)
  const prefix = options.chunked ? Buffer.from(`${piece.length.toString(16)}\r\n`) : Buffer.alloc(0)
  const framed = options.chunked ? Buffer.concat([prefix, piece, Buffer.from('\r\n')]) : piece
  const limit = Math.min(options.bodyBytes, options.pauseAfter ?? Number.POSITIVE_INFINITY)
  const startedAt = performance.now()
  return new Promise((resolve, reject) => {
    const received: Buffer[] = []
    let sent = 0
    let queued = 0
    let atResponse = -1
    let finished = false
    let socketRef: Bun.Socket<undefined> | undefined
    // The buffer being written, from `offset`; body bytes are those in [bodyStart, bodyEnd) of it.
    let current = { bytes: Buffer.from(`${head.replace(/\n/g, '\r\n')}\r\n\r\n`), offset: 0, bodyStart: 0, bodyEnd: 0 }
    let ended = false
    const finish = (cutOff: boolean) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      socketRef?.end()
      const all = Buffer.concat(received).toString('latin1')
      const end = all.indexOf('\r\n\r\n')
      const responseHead = end < 0 ? all : all.slice(0, end)
      resolve({
        status: Number(responseHead.split(' ')[1] ?? 0) || 0,
        head: responseHead,
        bodyBytesSent: sent,
        bodyBytesAtResponse: atResponse,
        cutOff,
        elapsedMs: performance.now() - startedAt,
      })
    }
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 10_000)
    // Writes until the socket pushes back, counting only the body bytes the socket took (not head or framing).
    const pump = (socket: Bun.Socket<undefined>) => {
      while (!finished) {
        if (current.offset >= current.bytes.length) {
          if (queued < limit) {
            const size = Math.min(piece.length, limit - queued)
            queued += size
            current = size === piece.length
              ? { bytes: framed, offset: 0, bodyStart: prefix.length, bodyEnd: prefix.length + size }
              : { bytes: options.chunked ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), piece.subarray(0, size), Buffer.from('\r\n')]) : piece.subarray(0, size), offset: 0, bodyStart: options.chunked ? size.toString(16).length + 2 : 0, bodyEnd: (options.chunked ? size.toString(16).length + 2 : 0) + size }
          } else if (options.chunked && queued >= options.bodyBytes && !ended) {
            ended = true
            current = { bytes: Buffer.from('0\r\n\r\n'), offset: 0, bodyStart: 0, bodyEnd: 0 }
          } else {
            if (Buffer.concat(received).includes('\r\n\r\n')) finish(false)
            return
          }
        }
        const from = current.offset
        const wrote = socket.write(current.bytes.subarray(from))
        if (wrote <= 0) return
        current.offset += wrote
        sent += Math.max(0, Math.min(current.offset, current.bodyEnd) - Math.max(from, current.bodyStart))
      }
    }
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open: (socket) => {
          socketRef = socket
          pump(socket)
        },
        drain: pump,
        data: (_socket, chunk) => {
          if (atResponse < 0) atResponse = sent
          received.push(Buffer.from(chunk))
          // Everything we meant to send is sent and the answer's head is in: nothing more to learn.
          const allSent = queued >= limit && current.offset >= current.bytes.length
          if (allSent && Buffer.concat(received).includes('\r\n\r\n')) finish(false)
        },
        close: () => finish(sent < options.bodyBytes),
        end: () => finish(sent < options.bodyBytes),
        error: () => finish(sent < options.bodyBytes),
      },
    }).catch(reject)
  })
}
