// Starts a real gateway on 127.0.0.1:0 over a fresh temporary database, with an org and a key ready to use.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.ts'
import type { ProviderSpec } from '../../src/providers/spec.ts'
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway.ts'
import { createLogger, silentLogger, type Logger } from '../../src/log.ts'
import { stalledMeterWorker } from './stalled-meter-worker.ts'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'
export const UPSTREAM_SECRET = 'sk-real-upstream-credential-XYZ'

export interface TestGateway {
  readonly url: string
  readonly gateway: Gateway
  readonly dir: string
  readonly dbUrl: string
  /** An active key allowed every model. */
  readonly key: string
  readonly keyId: string
  readonly orgId: string
  admin(method: string, path: string, body?: unknown): Promise<Response>
  createKey(settings?: Record<string, unknown>): Promise<{ id: string; key: string }>
  stop(): Promise<void>
}

export interface TestGatewayOptions {
  /** provider id → fake upstream base URL; each gets UPSTREAM_SECRET as its credential. */
  upstreams?: Record<string, string>
  env?: Record<string, string>
  /** Credentials left unset for these providers (to test 503). */
  withoutCredential?: string[]
  now?: () => number
  verbose?: boolean
  /** Receives the gateway's log (instead of silence, or stderr with `verbose`). */
  log?: Logger
  /** The metering worker's thread blocks this long on its first batch (see stalled-meter-worker.ts). */
  meterStallMs?: number
  databaseCheckMs?: number
  /** Providers served beside the built-in ones (loadConfig's extraProviders: specs whose origin names their module). */
  providers?: readonly ProviderSpec[]
  /** Anything else startGateway takes (access-log sink, health tuning); the access log is discarded unless a sink is given. */
  gatewayOptions?: Partial<GatewayOptions>
}

/** Tests read the access log through a sink of their own; elsewhere its lines would only clutter the test output. */
const discard = { write: () => true, onDrain: () => {} }

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-test-'))
  const dbUrl = `file:${join(dir, 'sociaro.db')}`
  const env: Record<string, string> = {
    SOCIARO_HOST: '127.0.0.1',
    SOCIARO_PORT: '0',
    SOCIARO_DATABASE_URL: dbUrl,
    SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN,
    SOCIARO_SECRET_KEY: 'test-secret-key-0123456789-abcdefghijklmnop',
    SOCIARO_CACHE_REFRESH_MS: '200',
  }
  for (const [provider, url] of Object.entries(options.upstreams ?? {})) {
    const name = provider.toUpperCase().replace(/-/g, '_')
    env[`SOCIARO_${name}_BASE_URL`] = url
    if (!options.withoutCredential?.includes(provider)) env[`SOCIARO_${name}_API_KEY`] = UPSTREAM_SECRET
  }
  Object.assign(env, options.env)
  const config = loadConfig(env, options.providers ?? [])
  const gateway = await startGateway(config, {
    log: options.log ?? (options.verbose ? createLogger('debug') : silentLogger),
    ...(options.now ? { now: options.now } : {}),
    ...(options.meterStallMs ? { startMeterWorker: stalledMeterWorker(options.meterStallMs) } : {}),
    ...(options.databaseCheckMs ? { databaseCheckMs: options.databaseCheckMs } : {}),
    accessLogSink: discard,
    ...options.gatewayOptions,
  })
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${gateway.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  const orgResponse = await admin('POST', '/orgs', { name: 'test-org' })
  const org = (await orgResponse.json()) as { id: string }
  const createKey = async (settings: Record<string, unknown> = {}) => {
    const response = await admin('POST', '/keys', { org: 'test-org', ...settings })
    if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${await response.text()}`)
    return (await response.json()) as { id: string; key: string }
  }
  const first = await createKey({ name: 'test' })
  return {
    url: gateway.url,
    gateway,
    dir,
    dbUrl,
    key: first.key,
    keyId: first.id,
    orgId: org.id,
    admin,
    createKey,
    async stop() {
      await gateway.stop(2_000)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
