// `bun test/bench/dashboard-reads.ts [ROWS]`: seeds ROWS usage rows (default 1 000 000) over 90 days, then times every dashboard page's data calls as a signed-in viewer.
import { sql } from 'drizzle-orm'
import { openDatabase } from '../../src/db/client.ts'
import { DAY_MS, HOUR_MS } from '../../src/db/rollup-buckets.ts'
import { startTestGateway } from '../support/test-gateway.ts'

const ROWS = Number(process.argv[2] ?? 1_000_000)
const KEYS = 20
const DAYS = 90
const RUNS = 15
const PASSWORD = 'dashboard bench password'

const gw = await startTestGateway()
try {
  const keyIds = [gw.keyId]
  for (let i = 1; i < KEYS; i++) keyIds.push((await gw.createKey({ name: `bench-${i}` })).id)
  const seedStart = performance.now()
  const database = await openDatabase(gw.dbUrl)
  const now = Date.now()
  const span = DAYS * DAY_MS
  // One statement per 100k rows, generated in SQL: seeding a million rows takes seconds, not minutes.
  const keysJson = JSON.stringify(keyIds)
  for (let at = 0; at < ROWS; at += 100_000) {
    const n = Math.min(100_000, ROWS - at)
    await database.client.execute(`WITH RECURSIVE seq(i) AS (SELECT ${at} UNION ALL SELECT i + 1 FROM seq WHERE i < ${at + n - 1})
      INSERT INTO usage_events (request_id, started_at, org_id, key_id, provider, model, endpoint, method, status, streamed, input_tokens, output_tokens,
        cost_micros, cost_status, usage_source, price_source, ended_by, duration_ms, ttfb_ms)
      SELECT printf('req_bench_%09d', i), ${now - span} + (i * ${span} / ${ROWS}), '${gw.orgId}', json_extract('${keysJson}', '$[' || (i % ${KEYS}) || ']'),
        'openai', CASE i % 2 WHEN 0 THEN 'gpt-4o-mini' ELSE 'gpt-4o' END, '/v1/chat/completions', 'POST', CASE WHEN i % 50 = 0 THEN 500 ELSE 200 END, i % 3 = 0,
        100 + i % 50, 20 + i % 30, CASE WHEN i % 97 = 0 THEN NULL ELSE 30 + (i % 2) * 470 END, CASE WHEN i % 97 = 0 THEN 'unpriced' ELSE 'priced' END,
        'reported', 'genai-prices', 'complete', 40, 12 FROM seq`)
  }
  for (const [grain, size] of [['hour', HOUR_MS], ['day', DAY_MS]] as const) {
    await database.db.run(sql.raw(`INSERT INTO usage_rollups (grain, bucket_start, org_id, key_id, provider, model, requests, errors, input_tokens, output_tokens,
      cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_micros, unpriced_requests, estimated_requests)
      SELECT '${grain}', (started_at / ${size}) * ${size}, org_id, key_id, provider, model, COUNT(*), SUM(status >= 400), SUM(input_tokens), SUM(output_tokens),
      SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(reasoning_tokens), SUM(COALESCE(cost_micros, 0)), SUM(cost_status = 'unpriced'), SUM(usage_source = 'estimated')
      FROM usage_events GROUP BY 2, 3, 4, 5, 6`))
  }
  database.close()
  const seedMs = performance.now() - seedStart

  await gw.admin('POST', '/users', { org: 'test-org', email: 'bench@test.example', role: 'viewer', password: PASSWORD })
  const login = await fetch(`${gw.url}/dashboard/api/login`, { method: 'POST', headers: { origin: gw.url }, body: JSON.stringify({ email: 'bench@test.example', password: PASSWORD }) })
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  const iso = (ms: number) => new Date(ms).toISOString()
  const from30 = iso(now - 30 * DAY_MS)
  const from90 = iso(now - 90 * DAY_MS)
  const to = iso(now + HOUR_MS)
  // What each page asks for when it opens (overview: the series, the previous period, the breakdown, the budget).
  const pages: Record<string, string[]> = {
    'overview 30 days': [`/usage?group_by=hour&from=${from30}&to=${to}`, `/usage?group_by=provider&from=${iso(now - 60 * DAY_MS)}&to=${from30}`, `/usage?group_by=provider&from=${from30}&to=${to}`, '/budget'],
    'overview 90 days by key': [`/usage?group_by=hour&from=${from90}&to=${to}`, `/usage?group_by=key&from=${from90}&to=${to}`],
    'explore 90 days, one model': [`/usage?group_by=hour&model=openai/gpt-4o&from=${from90}&to=${to}`],
    keys: ['/keys'],
    'key page 30 days': [`/keys/${gw.keyId}`, `/usage?group_by=hour&key=${gw.keyId}&from=${from30}&to=${to}`],
    'requests, first page': ['/keys', `/requests?limit=50&from=${from90}&to=${to}`],
    'requests, failed only': [`/requests?limit=50&status=error&from=${from90}&to=${to}`],
  }
  const lines = [`dashboard reads: ${ROWS.toLocaleString('en-US')} usage rows over ${DAYS} days, ${KEYS} keys (seeded in ${(seedMs / 1000).toFixed(1)} s); ${RUNS} runs per page, calls in parallel as the page makes them`, '', '| page | p50 ms | max ms |', '|---|---|---|']
  for (const [name, paths] of Object.entries(pages)) {
    const times: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now()
      const answers = await Promise.all(paths.map((path) => fetch(`${gw.url}/dashboard/api${path}`, { headers: { cookie } })))
      for (const answer of answers) if (answer.status !== 200) throw new Error(`${name}: ${answer.status} ${await answer.text()}`)
      await Promise.all(answers.map((answer) => answer.arrayBuffer()))
      times.push(performance.now() - started)
    }
    times.sort((a, b) => a - b)
    lines.push(`| ${name} | ${times[Math.floor(times.length / 2)]!.toFixed(0)} | ${times.at(-1)!.toFixed(0)} |`)
  }
  const pageStart = performance.now()
  const html = await (await fetch(`${gw.url}/dashboard`)).text()
  for (const asset of html.matchAll(/(?:src|href)="(\/[^"]+)"/g)) await (await fetch(`${gw.url}${asset[1]}`)).arrayBuffer()
  lines.push('', `page and assets (first load, bundled on first request): ${(performance.now() - pageStart).toFixed(0)} ms`)
  console.log(lines.join('\n'))
} finally {
  await gw.stop()
}
