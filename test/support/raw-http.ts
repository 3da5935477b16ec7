// Sends a hand-written HTTP/1.1 request over a raw socket, for targets and header sets that fetch would normalize.
export async function rawRequest(baseUrl: string, head: string, body = ''): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(baseUrl)
  let received = ''
  const done = Promise.withResolvers<void>()
  const socket = await Bun.connect({
    hostname,
    port: Number(port),
    socket: {
      data(_socket, data) {
        received += new TextDecoder().decode(data)
      },
      close() {
        done.resolve()
      },
      error(_socket, error) {
        done.reject(error)
      },
    },
  })
  socket.write(`${head.replace(/\n/g, '\r\n')}\r\n\r\n${body}`)
  await Promise.race([done.promise, Bun.sleep(5000)])
  socket.end()
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)
  return { status, text: received }
}
