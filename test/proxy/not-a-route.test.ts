// Paths that are not provider routes say what they are: an unknown admin route, a path the unified /v1 endpoint does not serve, or no provider.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/test-gateway.ts'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw.stop())

interface OpenAiError {
  error: { message: string; type: string; code: string }
}

describe('paths that are not provider routes', () => {
  test('an unknown admin route with a valid token is a 404 in the admin shape, not an unknown provider "admin"', async () => {
    for (const [method, path] of [['GET', '/no-such-route'], ['POST', '/nope/deeper'], ['DELETE', '/orgs/x/y/z'], ['GET', '']] as const) {
      const response = await gw.admin(method, path, method === 'POST' ? { a: 1 } : undefined)
      expect({ path, status: response.status }).toEqual({ path, status: 404 })
      const body = (await response.json()) as { error: { type: string; message: string } }
      expect(body.error.type).toBe('not_found')
      expect(body.error.message).toBe(`No such admin route: ${method} /admin/v1${path}.`)
      expect(JSON.stringify(body)).not.toContain('provider')
    }
  })

  test('without the token an unknown admin route is still only a 401', async () => {
    const response = await fetch(`${gw.url}/admin/v1/jobs`)
    expect(response.status).toBe(401)
  })

  test('/v1/… is the unified endpoint: a path it does not serve is a 404 in OpenAI\'s shape naming its endpoints, so the SDK raises NotFoundError', async () => {
    const response = await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' }, body: '{}' })
    expect(response.status).toBe(404)
    const body = (await response.json()) as OpenAiError
    expect(body.error.message).toContain('No unified endpoint POST /v1/completions.')
    expect(body.error.message).toContain('POST /v1/chat/completions, POST /v1/embeddings, POST /v1/responses, GET /v1/models')
    expect(body.error.message).toContain('Provider routes look like /{provider}/{upstream path}')
    expect(body.error.message).not.toContain('Unknown provider "v1"')
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/v1`, maxRetries: 0 })
    const error = await client.completions.create({ model: 'mock/mock-gpt', prompt: 'hi' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    // The endpoints it does serve answer (the built-in mock provider, through its OpenAI-compatible path).
    const answer = await client.chat.completions.create({ model: 'mock/mock-gpt', messages: [{ role: 'user', content: 'hi' }] })
    expect(answer.object).toBe('chat.completion')
  })

  test('any other first segment is "not a provider route", with the configured providers listed once each', async () => {
    const response = await fetch(`${gw.url}/nosuch/v1/models`, { headers: { authorization: `Bearer ${gw.key}` } })
    expect(response.status).toBe(404)
    const body = (await response.json()) as OpenAiError
    expect(body.error.code).toBe('unknown_provider')
    expect(body.error.message).toContain('Unknown provider "nosuch": not a provider route.')
    const listed = /Configured providers: ([^.]+)\./.exec(body.error.message)?.[1]?.split(', ') ?? []
    const { data } = (await (await gw.admin('GET', '/providers')).json()) as { data: { id: string }[] }
    expect(listed.sort()).toEqual(data.map((p) => p.id).sort())
    expect(listed).toContain('openai')
  })

  test('a provider with no upstream path, and the root, say what a provider route looks like', async () => {
    for (const path of ['/openai', '/']) {
      const response = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${gw.key}` } })
      expect({ path, status: response.status }).toEqual({ path, status: 404 })
      const body = (await response.json()) as OpenAiError
      expect(body.error.message).toContain('Provider routes look like /{provider}/{upstream path}')
      expect(body.error.message).not.toContain('Unknown provider')
    }
  })

  test('an unsafe path under a real provider is refused as a path, before the key is looked at, in that provider\'s shape', async () => {
    const response = await fetch(`${gw.url}/anthropic/v1/files%2F..%2Fmessages`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { type: string; error: { type: string; message: string } }
    expect(body.type).toBe('error')
    expect(body.error.message).toBe('The request path is not allowed.')
  })
})
