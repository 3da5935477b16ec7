// What `serve` prints once it listens: the URL, which providers have credentials and from where, a quick start against mock.
import type { CredentialSource } from '../auth/credential-cache.ts'
import { resolve } from 'node:path'
import { DEFAULT_DATABASE_URL, type Config, type ResolvedProvider } from '../config.ts'

export interface StartupBannerInput {
  readonly version: string
  /** The gateway's own URL, e.g. http://127.0.0.1:8080. */
  readonly url: string
  /** How to run the CLI from the current directory: `bun src/main.ts`, or the compiled binary's path. */
  readonly cli: string
  readonly providers: readonly { readonly provider: ResolvedProvider; readonly source: CredentialSource | undefined }[]
  /**
   * Environment the CLI commands need to reach the server's database, when not the default one (e.g.
   * SOCIARO_DATABASE_URL=file:/srv/sociaro.db); printed in front of them so that they copy and paste as they are.
   */
  readonly cliEnv?: Readonly<Record<string, string>>
  /** Seconds until the gateway has picked up a key the CLI created (its cache refresh, SOCIARO_CACHE_REFRESH_MS). */
  readonly keyPickupSeconds: number
}

/** The server's database for the CLI commands, when not the default (never a URL that carries a password). */
export function cliEnvFor(config: Pick<Config, 'databaseUrl'>, cwd = process.cwd()): Record<string, string> {
  // The CLI resolves the default against its own directory, so in the server's directory it names the same file.
  const isDefault = config.databaseUrl === DEFAULT_DATABASE_URL || config.databaseUrl === `file:${resolve(cwd, DEFAULT_DATABASE_URL.slice('file:'.length))}`
  if (isDefault || /\/\/[^/]*@/.test(config.databaseUrl)) return {}
  return { SOCIARO_DATABASE_URL: config.databaseUrl }
}

/** How a user in the current directory runs this same CLI. */
export function cliCommand(argv: readonly string[], cwd: string, standalone: boolean, execPath: string): string {
  if (standalone) return shellQuote(execPath)
  const script = argv[1] ?? 'src/main.ts'
  const relative = script.startsWith(`${cwd}/`) ? script.slice(cwd.length + 1) : script
  return `bun ${shellQuote(relative)}`
}

const SOURCE_TEXT: Record<CredentialSource, (provider: ResolvedProvider) => string> = {
  'built-in': () => 'built in: no account needed (SOCIARO_MOCK_PROVIDER=false turns it off)',
  environment: (p) => `environment (SOCIARO_${p.spec.id.toUpperCase().replace(/-/g, '_')}_API_KEY)`,
  stored: () => 'stored in the database (providers set-credential)',
}

/** Single-quotes a word for sh when it holds anything but safe characters. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

/** A wildcard listen address is not somewhere to send requests: loopback reaches it from this host. */
function reachable(url: string): string {
  const parsed = new URL(url)
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1'
  else if (parsed.hostname === '[::]') parsed.hostname = '[::1]'
  return parsed.origin
}

/** The quick start's shell commands: an org, a key into $KEY, a chat completion through the mock provider, natively and unified. */
export function quickStartCommands(input: Pick<StartupBannerInput, 'url' | 'cli' | 'cliEnv' | 'keyPickupSeconds'>): string[] {
  const prefix = Object.entries(input.cliEnv ?? {}).map(([name, value]) => `${name}=${shellQuote(value)} `).join('')
  const cli = `${prefix}${input.cli}`
  const body = JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'Hello, Sociaro!' }] })
  const unifiedBody = JSON.stringify({ model: 'mock/mock-gpt', messages: [{ role: 'user', content: 'Hello, every provider!' }] })
  return [
    `${cli} orgs create demo`,
    `export KEY=$(${cli} keys create --org demo --json | sed -E 's/.*"key":"([^"]+)".*/\\1/')`,
    // The running gateway picks up keys the CLI wrote on its next cache refresh, not on the request.
    `sleep ${input.keyPickupSeconds}`,
    `curl -s -w '\\n' ${reachable(input.url)}/mock/v1/chat/completions -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '${body}'`,
    // The same through the unified endpoint, where the model names its provider: one base URL for every provider.
    `curl -s -w '\\n' ${reachable(input.url)}/v1/chat/completions -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '${unifiedBody}'`,
  ]
}

/** The OpenAI SDK (TypeScript) against the mock provider, reading the key from $KEY. */
export function typeScriptSnippet(url: string): string {
  return [
    "import OpenAI from 'openai'",
    `const client = new OpenAI({ baseURL: '${reachable(url)}/mock/v1', apiKey: process.env.KEY })`,
    "const reply = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'Hello from the OpenAI SDK' }] })",
    'console.log(reply.choices[0]?.message.content, reply.usage)',
  ].join('\n')
}

export function pythonSnippet(url: string): string {
  return [
    'import os',
    'from openai import OpenAI',
    `client = OpenAI(base_url="${reachable(url)}/mock/v1", api_key=os.environ["KEY"])`,
    'reply = client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "Hello from the OpenAI SDK"}])',
    'print(reply.choices[0].message.content, reply.usage)',
  ].join('\n')
}

const indent = (text: string) => text.split('\n').map((line) => `    ${line}`).join('\n')

export function startupBanner(input: StartupBannerInput): string {
  const width = Math.max(...input.providers.map(({ provider }) => provider.spec.id.length), 8)
  const configured = input.providers.filter(({ source }) => source !== undefined)
  const missing = input.providers.filter(({ source }) => source === undefined).map(({ provider }) => provider.spec.id)
  const lines = [``, `Sociaro ${input.version} is listening on ${input.url}`, ``]
  if (configured.length === 0) lines.push('No provider has a credential: every call answers 503 until one is set.')
  else {
    lines.push('Providers with a credential:')
    for (const { provider, source } of configured) lines.push(`  ${provider.spec.id.padEnd(width)}  ${SOURCE_TEXT[source!](provider)}`)
  }
  if (missing.length > 0) {
    lines.push(`No credential (calls answer 503): ${missing.join(', ')}`)
    lines.push(`  set SOCIARO_<PROVIDER>_API_KEY, or: ${input.cli} providers set-credential <provider>  (the secret on stdin)`)
  }
  const mock = input.providers.some(({ provider, source }) => provider.inProcess && source !== undefined)
  if (mock) {
    lines.push(
      '',
      'Quick start against the built-in mock provider (no account needed); paste into another shell in this directory',
      `(the sleep: the gateway picks up keys made by the CLI within ${input.keyPickupSeconds} s):`,
      '',
      ...quickStartCommands(input).map((command) => `    ${command}`),
      '',
      'The OpenAI SDK, TypeScript (openai is a dev dependency: save as hello.ts here, then bun hello.ts):',
      '',
      indent(typeScriptSnippet(input.url)),
      '',
      'The OpenAI SDK, Python (pip install openai, then python3 hello.py):',
      '',
      indent(pythonSnippet(input.url)),
      '',
      `Real providers: ${reachable(input.url)}/<provider>/<upstream path>, e.g. /openai/v1/chat/completions, /anthropic/v1/messages.`,
    )
  } else {
    lines.push('', 'First key:', `    ${input.cli} orgs create my-team`, `    ${input.cli} keys create --org my-team`)
    lines.push(`Then call e.g. ${reachable(input.url)}/openai/v1/chat/completions with "Authorization: Bearer gw_live_…"`)
  }
  lines.push('')
  return `${lines.join('\n')}\n`
}
