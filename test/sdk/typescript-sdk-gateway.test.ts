// The TypeScript SDK against a real gateway's unified endpoint (the built-in mock provider as `mock/…`): answers, refusals, rows, self-service.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { AuthenticationError, BadRequestError, NotFoundError, PermissionDeniedError, RateLimitError, Sociaro, type ChatCompletionChunk } from '../../sdk/typescript/src/index.ts'
import { caught } from '../support/caught.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

let gw: TestGateway
let client: Sociaro
let keyId: string

beforeAll(async () => {
  gw = await startTestGateway()
  const { key, id } = await gw.createKey({ name: 'ts-sdk', models: ['mock/mock-gpt', 'mock/mock-embedding'] })
  keyId = id
  // The unified endpoint: the gateway's URL alone, models named `provider/model`.
  client = new Sociaro({ apiKey: key, baseURL: gw.url, maxRetries: 0 })
})

afterAll(async () => {
  await gw.stop()
})

const ask = (content: string) => ({ model: 'mock/mock-gpt', messages: [{ role: 'user' as const, content }] })

test('a chat completion, an embedding and a response, each with its usage row under the request id', async () => {
  const chat = await client.chat.completions.create(ask('Count the tokens of this sentence.'))
  expect(chat.choices[0]!.message.content).toContain('Count the tokens of this sentence.')
  const chatRow = await waitForUsageRow(gw.dbUrl, chat._request_id!)
  expect([chatRow.provider, chatRow.model, chatRow.output_tokens]).toEqual(['mock', 'mock-gpt', chat.usage!.completion_tokens])

  const embedded = await client.embeddings.create({ model: 'mock/mock-embedding', input: ['one', 'two'] })
  expect(embedded.data.length).toBe(2)
  expect((await waitForUsageRow(gw.dbUrl, embedded._request_id!)).model).toBe('mock-embedding')

  const answer = await client.responses.create({ model: 'mock/mock-gpt', input: 'Say hi.' })
  expect(answer.output[0]!.content![0]!.text).toContain('Say hi.')
  expect((await waitForUsageRow(gw.dbUrl, answer._request_id!)).endpoint).toBe('/v1/responses')

  // The gateway's own answers: the models this key may use, itself, and its usage so far.
  const models = await client.models.list()
  expect(models.data.map((m) => m.id)).toEqual(['mock/mock-embedding', 'mock/mock-gpt'])
  expect(models.data[0]!.pricing).toEqual({ input_per_million_usd: 0, output_per_million_usd: 0, source: 'list' })
  expect((await client.models.retrieve('mock/mock-gpt')).owned_by).toBe('mock')
  expect(await caught(client.models.retrieve('mock/mock-claude'))).toBeInstanceOf(NotFoundError)
  const me = await client.me()
  expect([me.id, me.name, me.allowed_models]).toEqual([keyId, 'ts-sdk', ['mock/mock-gpt', 'mock/mock-embedding']])
  let report = await client.usage({ group_by: 'model' })
  for (const deadline = Date.now() + 10_000; report.data.length < 2 && Date.now() < deadline; await Bun.sleep(100)) report = await client.usage({ group_by: 'model' })
  expect(report.data.map((row) => row.model).sort()).toEqual(['mock/mock-embedding', 'mock/mock-gpt'])
  // Days are the organization's reporting days: the typed fields say which zone, the local date and when it starts.
  const days = await client.usage({ group_by: 'day', from: '2020-01-01', to: '2099-01-01' })
  expect([days.object, days.group_by, days.time_zone]).toEqual(['usage', 'day', 'UTC'])
  const today = days.data.at(-1)!
  expect([today.day, today.starts_at]).toEqual([new Date().toISOString().slice(0, 10), `${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`])
  expect(days.totals.requests).toBeGreaterThanOrEqual(3)
  expect(me.organization.name).toBeString()
  expect(me.limits.rpm).toBeNull()
})

test('a stream with usage, and a stream aborted by controller.abort() that yields nothing more', async () => {
  const stream = await client.chat.completions.create({ ...ask('Stream this sentence back to me, please.'), stream: true, stream_options: { include_usage: true } })
  let text = ''
  let usage: ChatCompletionChunk['usage']
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? ''
    usage = chunk.usage ?? usage
  }
  expect(text).toContain('Stream this sentence back to me, please.')
  const row = await waitForUsageRow(gw.dbUrl, stream.requestID!)
  expect([row.streamed, row.partial, row.output_tokens]).toEqual([1, 0, usage!.completion_tokens])

  const long = await client.chat.completions.create({ ...ask('x '.repeat(400)), stream: true })
  let chunks = 0
  for await (const _ of long) {
    if (++chunks === 1) long.controller.abort()
  }
  expect(chunks).toBe(1)
  expect((await waitForUsageRow(gw.dbUrl, long.requestID!)).provider).toBe('mock')
})

test("the gateway's refusals in OpenAI's shape raise the SDK's classes", async () => {
  const wrong = await caught(new Sociaro({ apiKey: 'gw_live_wrong_key', baseURL: gw.url, maxRetries: 0 }).chat.completions.create(ask('hi')))
  expect(wrong).toBeInstanceOf(AuthenticationError)
  expect(wrong.status).toBe(401)
  expect(wrong.requestID).toBeTruthy()
  expect(wrong.code).toBe('invalid_api_key')

  const denied = await caught(client.chat.completions.create({ ...ask('hi'), model: 'mock/mock-claude' }))
  expect(denied).toBeInstanceOf(PermissionDeniedError)
  expect(denied.headers.get('x-should-retry')).toBe('false')

  const bare = await caught(client.chat.completions.create({ ...ask('hi'), model: 'mock-gpt' }))
  expect(bare).toBeInstanceOf(BadRequestError)
  expect(bare.message).toContain('"provider/model"')
  expect(bare.message).toContain('mock')

  const { key } = await gw.createKey({ rpm: 1 })
  const limited = new Sociaro({ apiKey: key, baseURL: gw.url, maxRetries: 0 })
  await limited.chat.completions.create(ask('first'))
  const refused = await caught(limited.chat.completions.create(ask('second')))
  expect(refused).toBeInstanceOf(RateLimitError)
  expect(refused.code).toBe('rate_limit_exceeded')
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
})
