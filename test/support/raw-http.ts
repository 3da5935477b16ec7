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
