// Bare Bun forwarder (the baseline): Bun.serve + fetch(upstream + path, {decompress:false}), response passed through as is.
// Usage: bun test/bench/bare-forwarder.ts <upstream-origin>  → prints {"url":"http://127.0.0.1:<port>"} as its first stdout line.

const upstream = process.argv[2]
if (!upstream || !/^http:\/\/127\.0\.0\.1:\d+$/.test(upstream)) {
  console.error('usage: bun test/bench/bare-forwarder.ts http://127.0.0.1:<port>')
  process.exit(2)
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  idleTimeout: 60,
  async fetch(request) {
    const url = request.url
    const path = url.slice(url.indexOf('/', url.indexOf('://') + 3))
    const res = await fetch(upstream + path, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      decompress: false,
    } as RequestInit)
    return new Response(res.body, res)
  },
})

process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.port}` })}\n`)

await import('./exit-with-parent.ts')

export {}
