// `make run` from a fresh clone, driven as a user would: the printed quick start against `mock`, then the OpenAI SDK.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { queryRows } from '../support/usage-rows.ts'

const REPO = join(import.meta.dir, '../..')

let dir: string
let clone: string
let make: Bun.Subprocess<'ignore', 'pipe', 'pipe'> | undefined
let stdout = ''
let stderr = ''

/** A user's shell: PATH and HOME, nothing of this test's environment. */
const userEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' }

async function drain(stream: ReadableStream<Uint8Array>, into: (text: string) => void) {
  const decoder = new TextDecoder()
  for await (const chunk of stream) into(decoder.decode(chunk, { stream: true }))
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sociaro-quick-start-'))
  clone = join(dir, 'sociaro')
  // The committed tree, as `git clone` gives it: no node_modules, no data/, no secret key.
  const cloned = Bun.spawnSync(['git', 'clone', '--quiet', REPO, clone], { env: userEnv, stderr: 'pipe' })
  if (cloned.exitCode !== 0) throw new Error(`git clone failed: ${cloned.stderr.toString()}`)
  // Its own process group, so that stopping it stops make and the gateway under it.
  make = Bun.spawn(['make', 'run', 'PORT=0'], {
    cwd: clone,
    env: { ...userEnv, SOCIARO_GROQ_API_KEY: 'gsk-from-the-environment' },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    detached: true,
  })
  void drain(make.stdout, (text) => (stdout += text))
  void drain(make.stderr, (text) => (stderr += text))
  // `bun install` from the warm cache, then start-up; generous, the machine is shared.
  let deadline = Date.now() + 120_000
  let listening = false
  while (!/OpenAI SDK, Python[\s\S]*\n\n[\s\S]*\n\n/.test(stdout) && Date.now() < deadline) {
    if (make.exitCode !== null) throw new Error(`make run exited with ${make.exitCode}:\n${stdout}\n${stderr}`)
    // Once it listens, the banner follows at once.
    if (!listening && /listening on/.test(stderr)) {
      listening = true
      deadline = Math.min(deadline, Date.now() + 10_000)
    }
    await Bun.sleep(100)
  }
  if (!/OpenAI SDK, Python/.test(stdout)) throw new Error(`make run printed no quick start:\n${stdout}\n${stderr}`)
}, 150_000)

afterAll(async () => {
  if (make && make.exitCode === null) {
    process.kill(-make.pid, 'SIGTERM')
    await make.exited
  }
  rmSync(dir, { recursive: true, force: true })
})

/** The indented block that follows the first line matching `heading` (up to the next blank line), un-indented. */
function blockAfter(heading: RegExp): string[] {
  const lines = stdout.split('\n')
  const start = lines.findIndex((line) => heading.test(line))
  if (start < 0) throw new Error(`no "${heading}" in:\n${stdout}`)
  let i = start + 1
  while (lines[i] !== undefined && !lines[i]!.startsWith('    ')) i++
  const block: string[] = []
  for (; lines[i] !== undefined && lines[i]!.startsWith('    '); i++) block.push(lines[i]!.slice(4))
  return block
}

test('make run from a fresh clone answers its printed quick start against mock: the commands, the curl, the OpenAI SDK', async () => {
  const url = /is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1]
  expect(url).toBeDefined()
  // Which providers have a credential, and from where.
  expect(stdout).toMatch(/^ {2}mock +built in: no account needed/m)
  expect(stdout).toMatch(/^ {2}groq +environment \(SOCIARO_GROQ_API_KEY\)/m)
  expect(stdout).toMatch(/No credential \(calls answer 503\): openai, anthropic/)

  const commands = blockAfter(/^Quick start against the built-in mock provider/)
  expect(commands[0]).toBe('bun src/main.ts orgs create demo')
  expect(commands.some((line) => line.startsWith(`curl -s -w '\\n' ${url}/mock/v1/chat/completions`))).toBe(true)
  expect(commands.some((line) => line.startsWith(`curl -s -w '\\n' ${url}/v1/chat/completions`) && line.includes('"model":"mock/mock-gpt"'))).toBe(true)
  const snippet = blockAfter(/^The OpenAI SDK, TypeScript/).join('\n')
  expect(snippet).toContain(`baseURL: '${url}/mock/v1'`)
  writeFileSync(join(clone, 'hello.ts'), `${snippet}\n`)

  // One shell, as the user pastes the block into it; then runs the saved snippet in the same shell.
  const script = [...commands, 'echo', 'bun hello.ts', 'echo "KEY=$KEY"'].join('\n')
  const shell = Bun.spawn(['bash', '-e', '-c', script], { cwd: clone, env: userEnv, stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(shell.stdout).text(), new Response(shell.stderr).text(), shell.exited])
  if (code !== 0) throw new Error(`the quick start failed (${code}):\n${out}\n${err}\n--- gateway ---\n${stdout}\n${stderr}`)
  expect(out).toContain('created org demo')

  // The curl's answer: a chat completion from the mock, with usage.
  const curlLine = out.split('\n').find((line) => line.startsWith('{"id":"chatcmpl-'))
  const curlReply = JSON.parse(curlLine!) as OpenAI.ChatCompletion
  expect(curlReply.choices[0]!.message.content).toContain('Hello, Sociaro!')
  expect(curlReply.usage!.total_tokens).toBeGreaterThan(0)
  // The unified endpoint's answer: the same provider, reached by naming it in the model.
  const unifiedLine = out.split('\n').filter((line) => line.startsWith('{"id":"chatcmpl-'))[1]
  const unifiedReply = JSON.parse(unifiedLine!) as OpenAI.ChatCompletion
  expect(unifiedReply.choices[0]!.message.content).toContain('Hello, every provider!')
  // The OpenAI SDK snippet's answer.
  expect(out).toContain('You said: "Hello from the OpenAI SDK"')

  const key = /^KEY=(gw_live_\S+)$/m.exec(out)?.[1]
  expect(key).toBeDefined()
  const client = new OpenAI({ apiKey: key, baseURL: `${url}/mock/v1`, maxRetries: 0 })
  const json = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'JSON, please' }] })
  expect(json.choices[0]!.message.content).toContain('JSON, please')
  const stream = await client.chat.completions.create({
    model: 'mock-gpt',
    messages: [{ role: 'user', content: 'stream, please' }],
    stream: true,
    stream_options: { include_usage: true },
  })
  let streamed = ''
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? ''
  expect(streamed).toContain('stream, please')

  // Every one of those requests was metered into the clone's own ./data/sociaro.db: $0, marked as mock.
  const db = `file:${join(clone, 'data', 'sociaro.db')}`
  const deadline = Date.now() + 10_000
  let rows = await queryRows(db, 'SELECT provider, model, streamed, cost_micros, cost_status, input_tokens, output_tokens FROM usage_events ORDER BY started_at')
  while (rows.length < 5 && Date.now() < deadline) {
    await Bun.sleep(100)
    rows = await queryRows(db, 'SELECT provider, model, streamed, cost_micros, cost_status, input_tokens, output_tokens FROM usage_events ORDER BY started_at')
  }
  expect(rows).toHaveLength(5)
  for (const row of rows) {
    expect(row).toMatchObject({ provider: 'mock', model: 'mock-gpt', cost_micros: 0, cost_status: 'mock' })
    expect(Number(row.output_tokens)).toBeGreaterThan(0)
  }
  expect(rows.map((row) => row.streamed)).toEqual([0, 0, 0, 0, 1])
  expect(rows[0]!.input_tokens).toBe(curlReply.usage!.prompt_tokens)
}, 60_000)
