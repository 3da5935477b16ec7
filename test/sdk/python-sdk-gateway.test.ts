// The Python SDK's contract suite (sdk/python/tests/test_api.py) run by python3 against a real gateway's unified endpoint (its mock provider).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { queryRows } from '../support/usage-rows.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

const SDK_DIR = join(import.meta.dir, '../../sdk/python')

let gw: TestGateway
let key: { id: string; key: string }

beforeAll(async () => {
  gw = await startTestGateway()
  // mock-claude stays outside the allowlist: the suite's permission test asks for it.
  key = await gw.createKey({ name: 'python-sdk', models: ['mock-gpt', 'mock-embedding'] })
})

afterAll(async () => {
  await gw.stop()
})

test('the Python SDK passes its whole contract suite against the unified endpoint, one usage row per request', async () => {
  const python = Bun.which('python3')
  if (!python) throw new Error('python3 is needed for the Python SDK tests (make test runs them too)')
  const child = Bun.spawn([python, '-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-p', 'test_api.py', '-v'], {
    cwd: SDK_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PYTHONDONTWRITEBYTECODE: '1',
      // The unified endpoint (`/v1/...` with `provider/model`): the gateway's URL alone, nothing skipped.
      SOCIARO_TEST_GATEWAY_URL: gw.url,
      SOCIARO_TEST_API_KEY: key.key,
      SOCIARO_TEST_MODEL: 'mock/mock-gpt',
      SOCIARO_TEST_EMBEDDING_MODEL: 'mock/mock-embedding',
      SOCIARO_TEST_DENIED_MODEL: 'mock/mock-claude',
    },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 120_000,
  })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  const report = stdout + stderr
  expect(report).toMatch(/^OK$/m)
  expect(code).toBe(0)
  const ran = Number(/^Ran (\d+) tests?/m.exec(report)?.[1])
  expect(ran).toBeGreaterThanOrEqual(15)

  // Successful requests the suite makes upstream: chat 5 (snippet, attributes, stream, early-closed stream, the call
  // after it), embeddings 1, responses 2. The model list, /v1/me and the usage report are the gateway's own answers
  // (no row). The metering worker writes the rows shortly after the answers.
  const expected = { '/v1/chat/completions': 5, '/v1/embeddings': 1, '/v1/responses': 2 }
  const same = (a: Record<string, number>, b: Record<string, number>) => Object.keys({ ...a, ...b }).every((k) => a[k] === b[k])
  let rows: Awaited<ReturnType<typeof queryRows>> = []
  let counts: Record<string, number> = {}
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await Bun.sleep(100)) {
    rows = await queryRows(gw.dbUrl, 'SELECT endpoint, provider, model, status FROM usage_events WHERE key_id = ? AND status = 200', [key.id])
    counts = {}
    for (const row of rows) counts[row.endpoint as string] = (counts[row.endpoint as string] ?? 0) + 1
    if (same(counts, expected)) break
  }
  for (const row of rows) {
    expect(row.provider).toBe('mock')
    // The provider's own model: the `mock/` prefix was cut before the request went upstream.
    expect(['mock-gpt', 'mock-embedding']).toContain(row.model as string)
  }
  expect(counts).toEqual(expected)
}, 150_000)
