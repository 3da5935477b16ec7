// Reads and validates the process environment (and the optional config file) into one frozen Config.
import { existsSync, readFileSync } from 'node:fs'
import { parse as parseToml } from 'smol-toml'
import { ServiceError } from './errors/service-error.ts'
import { openAICompatible } from './providers/openai-compatible.ts'
import { MOCK_PROVIDER_ID } from './providers/mock.ts'
import { BUILT_IN_PROVIDERS, MOCK_PROVIDER } from './providers/registry.ts'
import type { ProviderSpec } from './providers/spec.ts'
import { priceFieldsFromInput, type PriceInput } from './pricing/override-input.ts'
import type { PriceOverride } from './pricing/types.ts'
import { cidrList } from './wire/cidr.ts'

/** A wrong environment or config file: the one service error type, code invalid_config. */
export class ConfigError extends ServiceError {
  override name = 'ConfigError'
  constructor(message: string) {
    super('invalid_config', message)
  }
}

/** A provider as this process serves it: its spec, the upstream base in force, an env credential if any. */
export interface ResolvedProvider {
  readonly spec: ProviderSpec
  readonly baseUrl: string
  /** From SOCIARO_<ID>_API_KEY; a credential stored with `providers set-credential` takes its place when absent. */
  readonly envCredential?: string
  /**
   * Whether the gateway keeps organizations to their own objects on this provider (files, batches, tasks, …; see
   * src/objects/). On by default; SOCIARO_<ID>_OBJECT_ISOLATION=off (or the config file's `object_isolation`)
   * turns it off for single-tenant installs, where every org may see the account's objects.
   */
  readonly objectIsolation: boolean
  /** Served by the gateway's own loopback upstream (the mock provider): no account, no configured credential. */
  readonly inProcess?: boolean
  /** The credential of an in-process upstream, generated when the gateway starts it; never configured. */
  readonly internalCredential?: string
}

export interface JobsConfig {
  /** Off: only the clients' own polls follow jobs (SOCIARO_JOB_POLLER=false). */
  readonly poller: boolean
  /** First look at a new job, and the base of the backoff (SOCIARO_JOB_POLL_INTERVAL_MS). */
  readonly pollIntervalMs: number
  /** The backoff's ceiling (SOCIARO_JOB_POLL_MAX_INTERVAL_MS). */
  readonly pollMaxIntervalMs: number
  /** First retry of a failed webhook delivery, doubled per attempt (SOCIARO_JOB_WEBHOOK_RETRY_MS, default 10 s). */
  readonly webhookRetryMs?: number
  /** Deliveries tried before a webhook is given up (SOCIARO_JOB_WEBHOOK_ATTEMPTS, default 8). */
  readonly webhookAttempts?: number
  /** Where webhooks may go beyond public https receivers (default: nowhere else). */
  readonly webhookEgress?: WebhookEgressConfig
}

/** The operator's opt-ins for webhook receivers that are not public https hosts (src/jobs/webhook-egress.ts). */
export interface WebhookEgressConfig {
  /** Loopback receivers (127.0.0.0/8, ::1), over http or https: for tests and development (SOCIARO_WEBHOOK_ALLOW_LOOPBACK). */
  readonly allowLoopback: boolean
  /** Ranges allowed although not public (an intranet receiver), https only (SOCIARO_WEBHOOK_ALLOW_CIDRS). */
  readonly allowCidrs: readonly string[]
  /** PEM of extra certificate authorities trusted for receivers, beside the system's (SOCIARO_WEBHOOK_CA_FILE). */
  readonly caPem?: string
}

export interface Config {
  readonly host: string
  readonly port: number
  readonly databaseUrl: string
  readonly databaseAuthToken?: string
  readonly adminToken?: string
  readonly secretKey?: string
  readonly maxBodyBytes: number
  /** Upstream time to response headers, connection included. */
  readonly upstreamHeadersTimeoutMs: number
  /** Longest silence allowed between two upstream body chunks. */
  readonly upstreamIdleTimeoutMs: number
  /** Bun.serve idle timeout for connections that are not proxying a stream (slowloris guard). */
  readonly serverIdleTimeoutS: number
  /**
   * Proxy requests one client address may have between arrival and response headers (body upload, upstream wait);
   * 0 = no cap. Off by default: a gateway's clients are often a few backends with high concurrency, and behind a
   * reverse proxy every request comes from the proxy's address.
   */
  readonly maxInflightPerIp: number
  /** How often the key and credential caches pick up writes made by other processes. */
  readonly cacheRefreshMs: number
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error'
  /** SOCIARO_LOG_FORMAT: the gateway's log (stderr) and access log (stdout) as text lines or JSON objects. */
  readonly logFormat: 'text' | 'json'
  /** SOCIARO_ACCESS_LOG: one line per proxied request on stdout, at level info (so SOCIARO_LOG_LEVEL=warn silences it too). */
  readonly accessLog: boolean
  /**
   * SOCIARO_CORS_ORIGINS: browser origins allowed to call the provider routes (exact `scheme://host[:port]` values,
   * or `*` for any); empty = CORS off, and the upstream's own CORS headers pass untouched.
   */
  readonly corsOrigins: readonly string[]
  /** Off only for benchmarking the proxy alone: no usage is recorded. */
  readonly metering: boolean
  readonly meterFlushMs: number
  readonly meterFlushRows: number
  /** SOCIARO_SPOOL_PATH as given ("off" disables the usage spool); see spoolPathFor for the default. */
  readonly spoolPath?: string
  readonly spoolMaxBytes: number
  readonly spoolFsync: boolean
  /** Raw usage rows older than this are pruned (rollups are kept); 0 keeps them forever. */
  readonly usageRetentionDays: number
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  readonly metricsToken?: string
  readonly providers: readonly ResolvedProvider[]
  /** The background poller of async jobs (src/jobs/job-poller.ts). */
  readonly jobs: JobsConfig
  /** The built-in `mock` provider (SOCIARO_MOCK_PROVIDER, on by default): try the gateway without a provider account. */
  readonly mockProvider: boolean
  /** Global price overrides from the config file's `prices` list. */
  readonly priceOverrides: readonly PriceOverride[]
  readonly configFile?: string
}

type Env = Record<string, string | undefined>

export const DEFAULT_DATABASE_URL = 'file:./data/sociaro.db'

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  }
  return value
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (/^(1|true|on|yes)$/i.test(raw)) return true
  if (/^(0|false|off|no)$/i.test(raw)) return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

function webhookEgress(env: Env): WebhookEgressConfig {
  let allowCidrs: string[]
  try {
    allowCidrs = cidrList(env.SOCIARO_WEBHOOK_ALLOW_CIDRS)
  } catch (error) {
    throw new ConfigError(`SOCIARO_WEBHOOK_ALLOW_CIDRS: ${(error as Error).message}`)
  }
  const caFile = env.SOCIARO_WEBHOOK_CA_FILE
  let caPem: string | undefined
  if (caFile) {
    try {
      caPem = readFileSync(caFile, 'utf8')
    } catch (error) {
      throw new ConfigError(`SOCIARO_WEBHOOK_CA_FILE: ${caFile} cannot be read (${(error as Error).message})`)
    }
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`SOCIARO_WEBHOOK_CA_FILE: ${caFile} holds no PEM certificate`)
  }
  return { allowLoopback: boolean(env, 'SOCIARO_WEBHOOK_ALLOW_LOOPBACK', false), allowCidrs, ...(caPem ? { caPem } : {}) }
}

/** `https://app.example.com, http://localhost:3000` or `*`; each entry must be exactly an origin (no path, no slash). */
export function corsOrigins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return []
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean)
  if (entries.includes('*')) {
    if (entries.length > 1) throw new ConfigError('SOCIARO_CORS_ORIGINS is either * or a list of origins, not both')
    return ['*']
  }
  return entries.map((entry) => {
    let origin: string
    try {
      origin = new URL(entry).origin
    } catch {
      throw new ConfigError(`SOCIARO_CORS_ORIGINS: "${entry}" is not an origin such as https://app.example.com`)
    }
    if (origin === 'null' || origin !== entry.toLowerCase()) {
      throw new ConfigError(`SOCIARO_CORS_ORIGINS: "${entry}" is not an origin such as https://app.example.com (scheme, host and port only; no path or trailing slash)`)
    }
    return origin
  })
}

function httpUrl(name: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${name} must use http or https, got "${raw}"`)
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(`${name} must not carry credentials, a query or a fragment`)
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

function envName(id: string): string {
  return id.toUpperCase().replace(/-/g, '_')
}

interface CustomProviderEntry {
  id?: unknown
  display_name?: unknown
  base_url?: unknown
  pricing_id?: unknown
  openai_path?: unknown
}

interface ConfigFile {
  providers: ProviderSpec[]
  prices: PriceOverride[]
  /** Provider id → "on" | "off". */
  objectIsolation: Record<string, string>
}

function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) throw new ConfigError(`SOCIARO_CONFIG points to "${path}", which does not exist`)
  const text = readFileSync(path, 'utf8')
  let parsed: { providers?: CustomProviderEntry[]; prices?: (PriceInput & { provider?: unknown; model?: unknown })[]; object_isolation?: unknown }
  try {
    parsed = (path.endsWith('.toml') ? parseToml(text) : JSON.parse(text)) as typeof parsed
  } catch (error) {
    throw new ConfigError(`SOCIARO_CONFIG "${path}" is not valid ${path.endsWith('.toml') ? 'TOML' : 'JSON'}: ${(error as Error).message}`)
  }
  const entries = parsed.providers ?? []
  if (!Array.isArray(entries)) throw new ConfigError(`SOCIARO_CONFIG: "providers" must be a list`)
  const prices = parsed.prices ?? []
  if (!Array.isArray(prices)) throw new ConfigError(`SOCIARO_CONFIG: "prices" must be a list`)
  const overrides = prices.map((entry, index): PriceOverride => {
    const where = `SOCIARO_CONFIG prices[${index}]`
    if (typeof entry.provider !== 'string' || typeof entry.model !== 'string') throw new ConfigError(`${where} needs string "provider" and "model"`)
    try {
      return { ...priceFieldsFromInput(entry), provider: entry.provider, model: entry.model, source: `config ${path}` }
    } catch (error) {
      throw new ConfigError(`${where}: ${(error as Error).message}`)
    }
  })
  const specs = entries.map((entry, index) => {
    const where = `SOCIARO_CONFIG providers[${index}]`
    if (typeof entry.id !== 'string') throw new ConfigError(`${where}.id must be a string`)
    if (entry.id === MOCK_PROVIDER_ID) throw new ConfigError(`${where}.id "${MOCK_PROVIDER_ID}" is reserved for the built-in mock provider`)
    if (typeof entry.base_url !== 'string') throw new ConfigError(`${where}.base_url must be a string`)
    // Where under base_url the unified /v1/… API reaches it: "/v1" unless said (e.g. "" when base_url already ends there).
    if (entry.openai_path !== undefined && (typeof entry.openai_path !== 'string' || !/^(?:\/[A-Za-z0-9._~-]+)*$/.test(entry.openai_path))) {
      throw new ConfigError(`${where}.openai_path must be a path such as "/v1" or "/api/v1" (or "" for none)`)
    }
    return openAICompatible({
      id: entry.id,
      displayName: typeof entry.display_name === 'string' ? entry.display_name : entry.id,
      baseUrl: httpUrl(`${where}.base_url`, entry.base_url),
      ...(typeof entry.pricing_id === 'string' ? { pricingId: entry.pricing_id } : {}),
      ...(typeof entry.openai_path === 'string' ? { openAIPath: entry.openai_path } : {}),
    })
  })
  const isolation = parsed.object_isolation ?? {}
  if (!isolation || typeof isolation !== 'object' || Array.isArray(isolation)) {
    throw new ConfigError('SOCIARO_CONFIG: "object_isolation" must be a table of provider = "on" | "off"')
  }
  const objectIsolation: Record<string, string> = {}
  for (const [provider, value] of Object.entries(isolation)) {
    if (value !== 'on' && value !== 'off') throw new ConfigError(`SOCIARO_CONFIG object_isolation.${provider} must be "on" or "off"`)
    objectIsolation[provider] = value
  }
  return { providers: specs, prices: overrides, objectIsolation }
}

function resolveProvider(env: Env, spec: ProviderSpec, fileIsolation: Record<string, string>): ResolvedProvider {
  const prefix = `SOCIARO_${envName(spec.id)}`
  // Its base URL and credential exist only once the gateway has started the loopback upstream.
  if (spec.id === MOCK_PROVIDER_ID) return { spec, baseUrl: spec.baseUrl, objectIsolation: true, inProcess: true }
  let baseUrl = spec.baseUrl
  const region = env[`${prefix}_REGION`]
  if (region) {
    const regional = spec.regions?.[region]
    if (!regional) {
      const known = Object.keys(spec.regions ?? {}).join(', ') || 'none'
      throw new ConfigError(`${prefix}_REGION="${region}" is not a region of ${spec.id} (known: ${known})`)
    }
    baseUrl = regional
  }
  const override = env[`${prefix}_BASE_URL`]
  if (override) baseUrl = httpUrl(`${prefix}_BASE_URL`, override)
  const credential = env[`${prefix}_API_KEY`]
  const fileSetting = fileIsolation[spec.id]
  const objectIsolation = boolean(env, `${prefix}_OBJECT_ISOLATION`, fileSetting === undefined ? true : fileSetting === 'on')
  return { spec, baseUrl, objectIsolation, ...(credential ? { envCredential: credential } : {}) }
}

/**
 * `extraProviders`: providers kept outside src/ (an embedding application's own wire formats), served beside the
 * built-in and config-file ones and configured by the same SOCIARO_<ID>_* variables. Each must name its module in
 * `origin` (`{ module: import.meta.url }`), from which the metering worker loads the same spec.
 */
export function loadConfig(env: Env = process.env, extraProviders: readonly ProviderSpec[] = []): Config {
  const port = integer(env, 'SOCIARO_PORT', 8080, 0, 65535)
  const databaseUrl = env.SOCIARO_DATABASE_URL || DEFAULT_DATABASE_URL
  if (!/^(file:|libsql:|https?:|wss?:)/.test(databaseUrl)) {
    throw new ConfigError(`SOCIARO_DATABASE_URL must start with file:, libsql:, http(s): or ws(s):, got "${databaseUrl}"`)
  }
  const adminToken = env.SOCIARO_ADMIN_TOKEN
  if (adminToken !== undefined && adminToken !== '' && adminToken.length < 16) {
    throw new ConfigError('SOCIARO_ADMIN_TOKEN must be at least 16 characters')
  }
  const secretKey = env.SOCIARO_SECRET_KEY
  if (secretKey !== undefined && secretKey !== '' && secretKey.length < 32) {
    throw new ConfigError('SOCIARO_SECRET_KEY must be at least 32 characters (for example `openssl rand -base64 32`)')
  }
  const logLevel = (env.SOCIARO_LOG_LEVEL || 'info') as Config['logLevel']
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`SOCIARO_LOG_LEVEL must be debug, info, warn or error, got "${logLevel}"`)
  }
  const logFormat = (env.SOCIARO_LOG_FORMAT || 'text') as Config['logFormat']
  if (logFormat !== 'text' && logFormat !== 'json') throw new ConfigError(`SOCIARO_LOG_FORMAT must be text or json, got "${logFormat}"`)
  const configFile = env.SOCIARO_CONFIG || undefined
  const file = configFile ? readConfigFile(configFile) : { providers: [], prices: [], objectIsolation: {} }
  const mockProvider = boolean(env, 'SOCIARO_MOCK_PROVIDER', true)
  const builtIn = mockProvider ? [...BUILT_IN_PROVIDERS, MOCK_PROVIDER] : BUILT_IN_PROVIDERS
  for (const spec of extraProviders) {
    if (spec.origin === undefined || !('module' in spec.origin)) throw new ConfigError(`provider "${spec.id}" must name its module in origin ({ module: import.meta.url })`)
  }
  const providers = [...builtIn, ...file.providers, ...extraProviders].map((spec) => resolveProvider(env, spec, file.objectIsolation))
  const providerIds = new Set(providers.map((provider) => provider.spec.id))
  for (const id of Object.keys(file.objectIsolation)) {
    if (!providerIds.has(id)) throw new ConfigError(`SOCIARO_CONFIG object_isolation names "${id}", which is not a provider id`)
  }

  return Object.freeze({
    host: env.SOCIARO_HOST || '127.0.0.1',
    port,
    databaseUrl,
    ...(env.SOCIARO_DATABASE_AUTH_TOKEN ? { databaseAuthToken: env.SOCIARO_DATABASE_AUTH_TOKEN } : {}),
    ...(adminToken ? { adminToken } : {}),
    ...(secretKey ? { secretKey } : {}),
    maxBodyBytes: integer(env, 'SOCIARO_MAX_BODY_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    upstreamHeadersTimeoutMs: integer(env, 'SOCIARO_UPSTREAM_HEADERS_TIMEOUT_MS', 300_000, 100, 3_600_000),
    upstreamIdleTimeoutMs: integer(env, 'SOCIARO_UPSTREAM_IDLE_TIMEOUT_MS', 600_000, 100, 3_600_000),
    serverIdleTimeoutS: integer(env, 'SOCIARO_SERVER_IDLE_TIMEOUT_S', 120, 1, 255),
    maxInflightPerIp: integer(env, 'SOCIARO_MAX_INFLIGHT_PER_IP', 0, 0, 1_000_000),
    cacheRefreshMs: integer(env, 'SOCIARO_CACHE_REFRESH_MS', 1000, 50, 60_000),
    logLevel,
    logFormat,
    accessLog: boolean(env, 'SOCIARO_ACCESS_LOG', true),
    corsOrigins: corsOrigins(env.SOCIARO_CORS_ORIGINS),
    metering: boolean(env, 'SOCIARO_METERING', true),
    meterFlushMs: integer(env, 'SOCIARO_METER_FLUSH_MS', 250, 10, 60_000),
    meterFlushRows: integer(env, 'SOCIARO_METER_FLUSH_ROWS', 500, 1, 10_000),
    ...(env.SOCIARO_SPOOL_PATH ? { spoolPath: env.SOCIARO_SPOOL_PATH } : {}),
    spoolMaxBytes: integer(env, 'SOCIARO_SPOOL_MAX_MB', 1024, 16, 1024 * 1024) * 1024 * 1024,
    spoolFsync: boolean(env, 'SOCIARO_SPOOL_FSYNC', false),
    usageRetentionDays: integer(env, 'SOCIARO_USAGE_RETENTION_DAYS', 90, 0, 36_500),
    ...(env.SOCIARO_METRICS_TOKEN ? { metricsToken: env.SOCIARO_METRICS_TOKEN } : {}),
    providers,
    jobs: {
      poller: boolean(env, 'SOCIARO_JOB_POLLER', true),
      pollIntervalMs: integer(env, 'SOCIARO_JOB_POLL_INTERVAL_MS', 30_000, 10, 3_600_000),
      pollMaxIntervalMs: integer(env, 'SOCIARO_JOB_POLL_MAX_INTERVAL_MS', 600_000, 10, 86_400_000),
      webhookRetryMs: integer(env, 'SOCIARO_JOB_WEBHOOK_RETRY_MS', 10_000, 10, 3_600_000),
      webhookAttempts: integer(env, 'SOCIARO_JOB_WEBHOOK_ATTEMPTS', 8, 1, 50),
      webhookEgress: webhookEgress(env),
    },
    mockProvider,
    priceOverrides: file.prices,
    ...(configFile ? { configFile } : {}),
  })
}
