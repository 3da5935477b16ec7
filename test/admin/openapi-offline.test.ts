// The admin API's OpenAPI document is served from the binary as JSON; no page that needs the internet (a CDN script) is served.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/test-gateway.ts'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw.stop())

const withToken = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }

describe('OpenAPI offline', () => {
  test('the document is JSON from the gateway itself, listing the admin routes and none of the catch-alls', async () => {
    const response = await fetch(`${gw.url}/admin/v1/openapi/json`, withToken)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    const document = (await response.json()) as { openapi: string; info: { title: string }; paths: Record<string, unknown> }
    expect(document.openapi).toMatch(/^3\./)
    expect(document.info.title).toBe('Sociaro admin API')
    expect(Object.keys(document.paths)).toContain('/admin/v1/keys')
    expect(Object.keys(document.paths).filter((p) => p.includes('*') || p === '/admin/v1/openapi' || p.startsWith('/:provider'))).toEqual([])
  })

  test('the viewer page is not served: no script, no external URL, only where the document is', async () => {
    const response = await fetch(`${gw.url}/admin/v1/openapi`, withToken)
    expect(response.status).toBe(404)
    const text = await response.text()
    expect(text).not.toMatch(/https?:\/\//)
    expect(text).not.toContain('<script')
    expect((JSON.parse(text) as { error: { type: string; message: string } }).error).toEqual({
      type: 'not_found',
      message: expect.stringContaining('/admin/v1/openapi/json'),
    })
  })
})
