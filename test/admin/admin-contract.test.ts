// The admin API's contract: every route documents its success body and the one error body, and real answers match them.
import { Value } from '@sinclair/typebox/value'
import { t, type Static, type TSchema } from 'elysia'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  CreatedKeySchema,
  DeletedSchema,
  ErrorSchema,
  KeySchema,
  KeyWithBudgetSchema,
  OrgSchema,
  OrgWithBudgetSchema,
  PriceSchema,
  ProvidersSchema,
  RepriceSchema,
  RequestsSchema,
  UsageSchema,
} from '../../src/admin/admin-schemas.ts'
import type { AdminApi } from '../../src/admin/routes.ts'
import type { createApp } from '../../src/app.ts'
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

// Compile-time half of the contract (bun x tsc checks it): the admin app keeps its route types, responses included,
// instead of erasing them to `any`, so a typed client can be built on AdminApi.
type IsAny<T> = 0 extends 1 & T ? true : false
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type AdminRoutes = AdminApi['~Routes']['admin']['v1']
type KeyAnswers = AdminRoutes['keys'][':id']['get']['response']
const typesKept: [IsAny<ReturnType<typeof createApp>['~Routes']>, IsAny<AdminRoutes>, Same<KeyAnswers[200], Static<typeof KeyWithBudgetSchema>>, Static<typeof ErrorSchema> extends KeyAnswers[404] ? true : false, Same<AdminRoutes['usage']['get']['response'][200], Static<typeof UsageSchema>>] = [false, false, true, true, true]
void typesKept

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw.stop())

type JsonSchema = { type?: string | string[]; required?: string[]; properties?: Record<string, JsonSchema> }
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> }

/** The answer's body, after checking its status and that it matches `schema` (with TypeBox's own reasons if not). */
async function answer(response: Response, status: number, schema: TSchema): Promise<any> {
  const body = await response.json()
  expect({ status: response.status, body }).toMatchObject({ status })
  const errors = [...Value.Errors(schema, body)].map((e) => `${e.path}: ${e.message}`)
  expect(errors).toEqual([])
  return body
}

describe('admin API contract', () => {
  test('the OpenAPI document gives every admin route a 2xx body schema and the error schema', async () => {
    const response = await fetch(`${gw.url}/admin/v1/openapi/json`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const document = (await response.json()) as { paths: Record<string, Record<string, Operation>> }
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })))
    expect(operations.length).toBeGreaterThanOrEqual(17)
    const problems: string[] = []
    for (const { route, op } of operations) {
      const responses = op.responses ?? {}
      const success = Object.entries(responses).filter(([status]) => /^2\d\d$/.test(status))
      if (success.length !== 1 || !success[0]![1].content?.['application/json']?.schema?.properties) problems.push(`${route}: no 2xx JSON body schema`)
      for (const status of ['400', '401', '404', '500']) {
        const schema = responses[status]?.content?.['application/json']?.schema
        const inner = schema?.properties?.error
        if (!schema?.required?.includes('error') || !inner?.required?.includes('type') || !inner.required.includes('message')) problems.push(`${route}: no ${status} error schema`)
      }
    }
    expect(problems).toEqual([])
  })

  test('orgs, keys and providers answer as their schemas say', async () => {
    const org = await answer(await gw.admin('POST', '/orgs', { name: 'contract-org', budget_usd: 5 }), 201, OrgSchema)
    await answer(await gw.admin('GET', `/orgs/${org.id}`), 200, OrgWithBudgetSchema)
    const listed = await answer(await gw.admin('GET', '/orgs'), 200, t.Object({ data: t.Array(OrgWithBudgetSchema) }))
    // A budget is set: its live view is there, not null.
    expect(listed.data.find((o: { id: string }) => o.id === org.id).budget).toMatchObject({ limit_usd: 5, spent_usd: 0 })
    await answer(await gw.admin('PATCH', `/orgs/${org.id}`, { budget_soft_percent: 80 }), 200, OrgSchema)
    const key = await answer(await gw.admin('POST', '/keys', { org: org.id, name: 'k', rpm: 10 }), 201, CreatedKeySchema)
    await answer(await gw.admin('GET', `/keys/${key.id}`), 200, KeyWithBudgetSchema)
    await answer(await gw.admin('PATCH', `/keys/${key.id}`, { tpm: 1000 }), 200, KeySchema)
    const revoked = await answer(await gw.admin('POST', `/keys/${key.id}/revoke`), 200, KeySchema)
    expect(revoked.status).toBe('revoked')
    const providers = await answer(await gw.admin('GET', '/providers'), 200, ProvidersSchema)
    expect(providers.data.length).toBeGreaterThan(0)
  })

  test('usage, the request log, prices and reprice answer as their schemas say', async () => {
    const proxied = await fetch(`${gw.url}/mock/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hello there' }] }),
    })
    expect(proxied.status).toBe(200)
    await proxied.arrayBuffer()
    await waitForUsageRow(gw.dbUrl, proxied.headers.get('x-sociaro-request-id')!)
    const requests = await answer(await gw.admin('GET', '/requests'), 200, RequestsSchema)
    expect(requests.data.length).toBeGreaterThan(0)
    for (const groupBy of ['day', 'key', 'model']) {
      const usage = await answer(await gw.admin('GET', `/usage?group_by=${groupBy}`), 200, UsageSchema)
      expect(usage.totals.requests).toBeGreaterThan(0)
    }
    const price = await answer(await gw.admin('POST', '/prices', { provider: 'openai', model: 'contract-model', input_usd_per_mtok: 1.5 }), 201, PriceSchema)
    expect(price.input_usd_per_mtok).toBe(1.5)
    await answer(await gw.admin('GET', '/prices'), 200, t.Object({ data: t.Array(PriceSchema) }))
    const from = new Date(Date.now() - 86_400_000).toISOString()
    const to = new Date(Date.now() + 60_000).toISOString()
    const repriced = await answer(await gw.admin('POST', '/reprice', { from, to }), 200, RepriceSchema)
    expect(repriced.examined).toBeGreaterThan(0)
    await answer(await gw.admin('DELETE', `/prices/${price.id}`), 200, DeletedSchema)
  })

  test('errors of every kind come in the one error shape', async () => {
    await answer(await gw.admin('GET', '/keys/key_missing'), 404, ErrorSchema)
    await answer(await gw.admin('POST', '/orgs', { name: '' }), 400, ErrorSchema)
    await answer(await gw.admin('POST', '/orgs', { name: 'test-org' }), 409, ErrorSchema)
    await answer(await gw.admin('GET', '/usage?group_by=week'), 400, ErrorSchema)
    await answer(await fetch(`${gw.url}/admin/v1/orgs`), 401, ErrorSchema)
    await answer(await gw.admin('GET', '/no-such-route'), 404, ErrorSchema)
    const big = await fetch(`${gw.url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: 'x'.repeat(2 * 1024 * 1024) })
    await answer(big, 413, ErrorSchema)
  })
})
