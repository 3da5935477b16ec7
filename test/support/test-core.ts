// An in-process gateway for pipeline and stage tests: typed config, the core called as a fetch handler, an in-memory meter.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, type Config, type ResolvedProvider } from '../../src/config.ts'
import { createGatewayCore, type GatewayCore, type GatewayOptions } from '../../src/gateway-core.ts'
import { silentLogger, type Logger } from '../../src/log.ts'
import { BUILT_IN_PROVIDERS } from '../../src/providers/registry.ts'
import { memoryMeter, type MemoryMeter } from './memory-meter.ts'
import { ADMIN_TOKEN, UPSTREAM_SECRET } from './test-gateway.ts'

/** Requests to the core need an absolute URL; nothing listens here. */
export const GATEWAY_ORIGIN = 'http://gateway.test'

export interface ProviderSetup {
  /** The (fake) upstream's base URL. */
  readonly baseUrl: string
  /** false: no credential configured (its calls answer 503); default UPSTREAM_SECRET. */
  readonly credential?: boolean
  /** Default on, as in production. */
  readonly objectIsolation?: boolean
}

export interface CoreSetup {
  /** Built-in provider id → its upstream base URL (or a fuller setup). Only these are served (no mock provider). */
  readonly providers?: Readonly<Record<string, string | ProviderSetup>>
  /** Keys made in the org "test-org" at start, with the settings the admin API takes (default one key named "test"). */
  readonly keys?: readonly Record<string, unknown>[]
  /** Any other setting, typed as the gateway reads it. */
  readonly config?: Partial<Config>
  readonly now?: () => number
  /** The memory meter also stores each row in the database (usage queries, the request log, reprice see it). */
  readonly storeRows?: boolean
  /** Receives the gateway's log (default silence). */
  readonly log?: Logger
  /** Anything else createGatewayCore takes (its access-log sink, ...); the access log is discarded unless a sink is given. */
  readonly options?: Partial<GatewayOptions>
}

export interface TestCore {
  readonly core: GatewayCore
  /** Where the usage rows go: `await meter.settled(requestId)` instead of polling a database. */
  readonly meter: MemoryMeter
  readonly config: Config
  readonly orgId: string
  /** The keys made at start, in order; `key` and `keyId` are the first. */
  readonly keys: readonly { readonly id: string; readonly key: string }[]
  readonly key: string
  readonly keyId: string
  readonly dir: string
  readonly dbUrl: string
  /**
   * A fetch answered by the core (a path resolves against GATEWAY_ORIGIN); SDK clients take it as their `fetch`. Like
   * a fetch client it decodes gzip and deflate bodies unless given `decompress: false`; `core.handle` never does.
   */
  readonly fetch: typeof fetch
  admin(method: string, path: string, body?: unknown): Promise<Response>
  createKey(settings?: Record<string, unknown>): Promise<{ id: string; key: string }>
  stop(): Promise<void>
}

/**
 * The core answers with the bytes that would go on the wire; a fetch client decodes a compressed body before the
 * caller reads it (Bun's fetch unless `decompress: false`). This does the same for what DecompressionStream knows.
 */
function decodedLikeFetch(response: Response): Response {
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase()
  if (!response.body || (encoding !== 'gzip' && encoding !== 'deflate')) return response
  const headers = new Headers(response.headers)
  headers.delete('content-encoding')
  headers.delete('content-length')
  return new Response(response.body.pipeThrough(new DecompressionStream(encoding)), { status: response.status, statusText: response.statusText, headers })
}

const discard = { write: () => true, onDrain: () => {} }

function resolveProviders(setups: Readonly<Record<string, string | ProviderSetup>>): ResolvedProvider[] {
  return Object.entries(setups).map(([id, setup]) => {
    const spec = BUILT_IN_PROVIDERS.find((candidate) => candidate.id === id)
    if (!spec) throw new Error(`coreFor: "${id}" is not a built-in provider`)
    const { baseUrl, credential = true, objectIsolation = true } = typeof setup === 'string' ? { baseUrl: setup } : setup
    return { spec, baseUrl, objectIsolation, ...(credential ? { envCredential: UPSTREAM_SECRET } : {}) }
  })
}

/** A gateway core over a fresh temporary database, with the memory meter, an org and its keys ready. */
export async function coreFor(setup: CoreSetup = {}): Promise<TestCore> {
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-core-'))
  const dbUrl = `file:${join(dir, 'sociaro.db')}`
  // The defaults are the ones production reads from an empty environment.
  const config: Config = {
    ...loadConfig({}),
    host: '127.0.0.1',
    port: 0,
    databaseUrl: dbUrl,
    adminToken: ADMIN_TOKEN,
    secretKey: 'test-secret-key-0123456789-abcdefghijklmnop',
    cacheRefreshMs: 200,
    providers: resolveProviders(setup.providers ?? {}),
    mockProvider: false,
    ...setup.config,
  }
  const meter = memoryMeter({ store: setup.storeRows ?? false })
  const core = await createGatewayCore(config, {
    log: setup.log ?? silentLogger,
    ...(setup.now ? { now: setup.now } : {}),
    meter: meter.start,
    accessLogSink: discard,
    ...setup.options,
  })
  const fetchCore = (async (input: string | URL | Request, init?: RequestInit & { decompress?: boolean }) => {
    const response = await core.handle(input instanceof Request ? new Request(input, init) : new Request(new URL(String(input), GATEWAY_ORIGIN).href, init))
    return init?.decompress === false ? response : decodedLikeFetch(response)
  }) as typeof fetch
  const admin = (method: string, path: string, body?: unknown) =>
    fetchCore(`/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  const createKey = async (settings: Record<string, unknown> = {}) => {
    const response = await admin('POST', '/keys', { org: 'test-org', ...settings })
    if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${await response.text()}`)
    return (await response.json()) as { id: string; key: string }
  }
  try {
    const orgResponse = await admin('POST', '/orgs', { name: 'test-org' })
    if (orgResponse.status !== 201) throw new Error(`org creation failed: ${orgResponse.status} ${await orgResponse.text()}`)
    const org = (await orgResponse.json()) as { id: string }
    const keys = []
    for (const settings of setup.keys ?? [{ name: 'test' }]) keys.push(await createKey(settings))
    return {
      core,
      meter,
      config,
      orgId: org.id,
      keys,
      key: keys[0]?.key ?? '',
      keyId: keys[0]?.id ?? '',
      dir,
      dbUrl,
      fetch: fetchCore,
      admin,
      createKey,
      async stop() {
        await core.stop(2_000)
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await core.stop(0)
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
