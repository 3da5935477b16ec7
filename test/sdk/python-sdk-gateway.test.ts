// The Python SDK's contract suite (sdk/python/tests/test_api.py) run by python3 against a real gateway's mock provider.
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

test('the Python SDK passes its contract suite against the gateway (native mock routes), one usage row per request', async () => {
  const python = Bun.which('python3')
  if (!python) throw new Error('python3 is needed for the Python SDK tests (make test runs them too)')
  const child = Bun.spawn([python, '-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-p', 'test_api.py', '-v'], {
    cwd: SDK_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PYTHONDONTWRITEBYTECODE: '1',
      // `<gateway>/mock` + `/v1/chat/completions` is the mock provider's pass-through route; the unified endpoint
      // (`/v1/...` with `provider/model`) will run the same suite with the URL alone and no skips.
      SOCIARO_TEST_GATEWAY_URL: `${gw.url}/mock`,
      SOCIARO_TEST_API_KEY: key.key,
      SOCIARO_TEST_MODEL: 'mock-gpt',
      SOCIARO_TEST_EMBEDDING_MODEL: 'mock-embedding',
      SOCIARO_TEST_DENIED_MODEL: 'mock-claude',
      // Pass-through routes take bare model names and have no key self-service.
      SOCIARO_TEST_SKIP: 'provider_prefix,models_retrieve,me,usage',
    },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 120_000,
  })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  const report = stdout + stderr
  expect(report).toMatch(/^OK \(skipped=4\)$/m)
  expect(code).toBe(0)
  const ran = Number(/^Ran (\d+) tests?/m.exec(report)?.[1])
  expect(ran).toBeGreaterThanOrEqual(15)

  // Successful requests the suite makes: chat 5 (snippet, attributes, stream, early-closed stream, the call
  // after it), embeddings 1, responses 2, and the model list (a row without a model). The metering worker writes them shortly after the answers.
  const expected = { '/v1/chat/completions': 5, '/v1/embeddings': 1, '/v1/responses': 2, '/v1/models': 1 }
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
    expect(row.endpoint === '/v1/models' ? row.model === null : ['mock-gpt', 'mock-embedding'].includes(row.model as string)).toBe(true)
  }
  expect(counts).toEqual(expected)
}, 150_000)
