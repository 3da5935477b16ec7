// Starts a gateway process: the core (src/gateway-core.ts) behind an exclusive Bun.serve listener, and an orderly stop.
import pkg from '../package.json' with { type: 'json' }
import type { CredentialSource } from './auth/credential-cache.ts'
import type { KeyCache } from './auth/key-cache.ts'
import type { Config, ResolvedProvider } from './config.ts'
import type { Database } from './db/client.ts'
import { listenExclusive } from './exclusive-listen.ts'
import { createGatewayCore, type GatewayOptions } from './gateway-core.ts'
import type { Meter } from './metering/proxy/meter.ts'
import { reportServerStarted, reportServerStopped } from './store/server-reports.ts'

export type { GatewayOptions } from './gateway-core.ts'

export interface Gateway {
  readonly url: string
  readonly port: number
  readonly database: Database
  readonly keys: KeyCache
  readonly meter?: Meter
  /** Every provider served, with where its credential comes from now (undefined: it has none, its calls answer 503). */
  credentialSources(): readonly { readonly provider: ResolvedProvider; readonly source: CredentialSource | undefined }[]
  /** Writes the keys' last-used times now (on the metering worker when it runs; tests call this instead of waiting 5 s). */
  flushLastUsed(): Promise<void>
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), flushes, closes. */
  stop(graceMs?: number): Promise<void>
}

export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const core = await createGatewayCore(config, options)
  try {
    listenExclusive(core.app, {
      hostname: config.host,
      port: config.port,
      idleTimeout: config.serverIdleTimeoutS,
      // Production bundling of the dashboard page (src/dashboard): built once, no hot-reload script or dev overlay.
      development: false,
      // Above the gateway's own limit so that oversize bodies get a provider-shaped 413 from us, not a bare one from Bun.
      maxRequestBodySize: config.maxBodyBytes + 16 * 1024 * 1024,
    })
  } catch (error) {
    // Nothing was served: release the worker and the database so the process can exit with the error.
    await core.stop(0).catch(() => {})
    throw error
  }
  const server = core.app.server ?? undefined
  if (!server) {
    await core.stop(0).catch(() => {})
    throw new Error('the HTTP server did not start')
  }
  core.attach(server)

  const url = `http://${server.hostname}:${server.port}`
  // For CLI commands run with another environment (another shell): which credentials this process has. Ids only.
  const reportedAs = await reportServerStarted(core.database.db, {
    url,
    version: pkg.version,
    providers: core.providers.map((p) => ({ id: p.spec.id, base_url: p.baseUrl, env_credential: p.envCredential !== undefined })),
  }).catch((error) => {
    core.log.warn('could not record this server in the database (CLI commands will not see its environment)', { error: String(error) })
    return undefined
  })

  return {
    url,
    port: server.port ?? 0,
    database: core.database,
    keys: core.keys,
    ...(core.meter ? { meter: core.meter } : {}),
    credentialSources: () => core.credentialSources(),
    flushLastUsed: () => core.flushLastUsed(),
    stop: (graceMs = 30_000) =>
      core.stop(graceMs, {
        stopAccepting: () => void server.stop(false),
        closeConnections: () => server.stop(true),
        ...(reportedAs ? { beforeDatabaseClose: () => reportServerStopped(core.database.db, reportedAs).catch(() => {}) } : {}),
      }),
  }
}
