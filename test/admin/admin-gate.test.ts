// The admin API checks its token before routing, validation, the OpenAPI document or any body byte, and caps bodies at 1 MiB.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rawRequest, streamUpload, type UploadResult } from '../support/raw-http.ts'
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/test-gateway.ts'

const MiB = 1024 * 1024
/** The documented admin body cap (src/admin/admin-gate.ts). */
const ADMIN_MAX_BODY_BYTES = MiB
let gw: TestGateway
let port: number

beforeAll(async () => {
  gw = await startTestGateway()
  port = gw.gateway.port
})
afterAll(() => gw.stop())

function orgsHead(framing: string, token?: string): string {
  return `POST /admin/v1/orgs HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n${token ? `Authorization: Bearer ${token}\n` : ''}${framing}`
}

/** Declares `declared` bytes, sends 64 KiB and waits: an answer now proves the body was not read first. */
function declareHugeSendLittle(declared: number, token?: string): Promise<UploadResult> {
  return streamUpload(port, orgsHead(`Content-Length: ${declared}`, token), { bodyBytes: declared, pauseAfter: 64 * 1024, timeoutMs: 5_000 })
}

function expectRefusedUnread(result: UploadResult, status: number): void {
  expect(result.status).toBe(status)
  expect(result.bodyBytesAtResponse).toBeLessThanOrEqual(64 * 1024)
  expect(result.head.toLowerCase()).toContain('connection: close')
}

describe('admin bodies', () => {
  test('sixteen unauthenticated 45 MiB bodies are answered 401 before they are read', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, () => declareHugeSendLittle(45 * MiB)))
    for (const result of results) expectRefusedUnread(result, 401)
  })

  test('with the token, a declared body above 1 MiB is answered 413 before it is read', async () => {
    expectRefusedUnread(await declareHugeSendLittle(ADMIN_MAX_BODY_BYTES + 1, ADMIN_TOKEN), 413)
  })

  test('with the token, a chunked 200 MiB upload gets 413 and is cut off near the 1 MiB cap', async () => {
    const result = await streamUpload(port, orgsHead('Transfer-Encoding: chunked', ADMIN_TOKEN), { bodyBytes: 200 * MiB, chunked: true, timeoutMs: 20_000 })
    expect(result.status).toBe(413)
    expect(result.head.toLowerCase()).toContain('connection: close')
    expect(result.cutOff).toBe(true)
    // 1 MiB read, plus what loopback socket buffers hold.
    expect(result.bodyBytesSent).toBeLessThan(32 * MiB)
  })

  test('an unauthenticated chunked upload is refused at once and cut off', async () => {
    const result = await streamUpload(port, orgsHead('Transfer-Encoding: chunked'), { bodyBytes: 200 * MiB, chunked: true, timeoutMs: 20_000 })
    expect(result.status).toBe(401)
    expect(result.cutOff).toBe(true)
    expect(result.bodyBytesSent).toBeLessThan(32 * MiB)
  })

  test('small bodies still work, chunked or not', async () => {
    const created = await gw.admin('POST', '/orgs', { name: 'gate-plain' })
    expect(created.status).toBe(201)
    const json = new TextEncoder().encode(JSON.stringify({ name: 'gate-chunked' }))
    const chunked = await fetch(`${gw.url}/admin/v1/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(json.slice(0, 5))
          controller.enqueue(json.slice(5))
          controller.close()
        },
      }),
    })
    expect(chunked.status).toBe(201)
    expect(((await chunked.json()) as { name: string }).name).toBe('gate-chunked')
    const broken = await fetch(`${gw.url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"name":' })
    expect(broken.status).toBe(400)
    expect(((await broken.json()) as { error: { type: string } }).error.type).toBe('invalid')
  })
})

describe('nothing about the admin API before the token', () => {
  test('the OpenAPI document needs the admin token', async () => {
    for (const path of ['/admin/v1/openapi', '/admin/v1/openapi/json']) {
      const anonymous = await fetch(`${gw.url}${path}`)
      expect(anonymous.status).toBe(401)
      expect(await anonymous.text()).not.toContain('/admin/v1/keys')
      const wrong = await fetch(`${gw.url}${path}`, { headers: { authorization: 'Bearer not-the-admin-token-at-all' } })
      expect(wrong.status).toBe(401)
      const admin = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      // The HTML page is gone (it loaded a CDN script); with the token it says where the document is.
      expect(admin.status).toBe(path.endsWith('/json') ? 200 : 404)
      expect(await admin.text()).toContain(path.endsWith('/json') ? '/admin/v1/keys' : 'admin/v1/openapi/json')
    }
  })

  test('validation errors (with their schema details) come only after the token passed', async () => {
    const invalid = JSON.stringify({ name: 5, rpm: 'many' })
    const anonymous = await fetch(`${gw.url}/admin/v1/orgs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: invalid })
    expect(anonymous.status).toBe(401)
    const text = await anonymous.text()
    expect(JSON.parse(text).error.type).toBe('unauthorized')
    expect(text).not.toContain('name')
    const admin = await gw.admin('POST', '/orgs', { name: 5 })
    expect(admin.status).toBe(400)
    expect(((await admin.json()) as { error: { type: string } }).error.type).toBe('invalid')
  })

  test('unknown admin routes and path variants say 401 too, never which routes exist', async () => {
    for (const path of ['/admin/v1/nope', '/admin/v1', '/admin/v1/', '/admin/v1/orgs/', '/admin/v1//orgs', '/admin/v1/orgs?x=1', '/admin/v1/%6frgs']) {
      const response = await rawRequest(gw.url, `POST ${path} HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: 11`, '{"name":5}\n')
      expect({ path, status: response.status }).toEqual({ path, status: 401 })
    }
    // An encoded prefix reaches no admin route at all: it is a (missing) provider route, not the admin API.
    const encoded = await rawRequest(gw.url, `POST /admin/%761/orgs HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: 11`, '{"name":5}\n')
    expect(encoded.status).toBe(404)
    expect(JSON.parse(encoded.body).error.code).toBe('unknown_provider')
  })
})
