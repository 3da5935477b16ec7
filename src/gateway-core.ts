// Assembles a gateway without a socket: database, caches, meter, stages and the app, answering as a fetch handler.
import type { GatewayError } from './errors/gateway-error.ts'
import { CredentialCache, type CredentialSource } from './auth/credential-cache.ts'
import { KeyCache } from './auth/key-cache.ts'
import { createApp } from './app.ts'
import type { Config, ResolvedProvider } from './config.ts'
import { openDatabase, type Database } from './db/client.ts'
import { DatabaseWatch } from './db/database-watch.ts'
import { runMigrations } from './db/migrate.ts'
import { openFileLimit, RECOMMENDED_OPEN_FILES } from './fd-limit.ts'
import { AccessLog } from './access-log/access-log.ts'
import { formatAccessLine, type AccessRecord } from './access-log/access-line.ts'
import { LineWriter, stdoutSink, type LineSink } from './access-log/line-writer.ts'
import { createLogger, LEVEL_ORDER, type Logger } from './log.ts'
import { MeterChannel, type MeterWorkerStarter } from './metering/proxy/meter-channel.ts'
import { MeterHealth, type MeterHealthOptions } from './metering/proxy/meter-health.ts'
import type { Meter, MeterStarter } from './metering/proxy/meter.ts'
import { createMeterStage } from './metering/proxy/meter-stage.ts'
import { spoolPathFor, UsageSpool } from './metering/proxy/usage-spool.ts'
import { GatewayMetrics } from './metrics/gateway-metrics.ts'
import { Gauge, ReadCounter } from './metrics/prometheus.ts'
import { metricsRoutes } from './metrics/routes.ts'
import { QueryChannel } from './analytics/query-channel.ts'
import { Limits } from './limits/limits-stage.ts'
import { startMockUpstream } from './mock/mock-upstream.ts'
import { loadPriceOverrides } from './metering/proxy/price-overrides.ts'
import type { PriceOverride } from './pricing/types.ts'
import { spendSince } from './limits/spend-source.ts'
import { capInflightPerAddress } from './proxy/address-cap.ts'
import { withCors } from './proxy/cors.ts'
import { createExchangePipeline } from './proxy/exchange-pipeline.ts'
import { parseRequestTarget } from './proxy/request-target.ts'
import { nativeRoute } from './proxy/routes/native-route.ts'
import { unifiedRoute } from './proxy/routes/unified-route.ts'
import type { ProxyStage, StageSet } from './proxy/stages.ts'
import { decodeBatchInput } from './objects/batch-input-record.ts'
import { ObjectLedger } from './objects/object-ledger.ts'
import { credentialRef } from './jobs/credential-ref.ts'
import { jobPollerFor } from './jobs/poller-wiring.ts'
import { unsettledReservations } from './jobs/job-store.ts'
import { applyPollWrite } from './jobs/poll-writes.ts'
import type { JobPollWrite } from './types/job-poll-write.ts'
import { WebhookDispatcher } from './jobs/webhook-dispatcher.ts'
import { STRICT_EGRESS, WebhookEgress, type Resolver } from './jobs/webhook-egress.ts'
import type { JobPoller } from './jobs/job-poller.ts'
import { JobMetrics } from './metrics/job-metrics.ts'
import { createObjectsStage } from './objects/objects-stage.ts'
import { originsOf } from './providers/provider-origin.ts'
import { indexProviders, providerDirectory } from './providers/registry.ts'
import { createCredentialCipher } from './secrets/credential-cipher.ts'
import { resolveSecretKey } from './secrets/secret-key.ts'
import { ChangeEvents } from './services/change-events.ts'
import { createServices } from './services/services.ts'
import { createKeyAnswers } from './unified/key-answers.ts'
import { jobForKey, jobsForKey } from './jobs/jobs-service.ts'
import { dashboardRoutes } from './dashboard/dashboard-routes.ts'

/** A reprice of a long range pages through every row in it: the worker's answer may take minutes. */
const REPRICE_TIMEOUT_MS = 10 * 60_000

export interface GatewayOptions {
  readonly log?: Logger
  readonly now?: () => number
  /**
   * Starts the meter (default: the metering worker thread, behind the usage spool). An in-process meter runs the
   * worker's job processing on this thread instead (tests: test/support/memory-meter.ts).
   */
  readonly meter?: MeterStarter
  /** Starts the metering worker thread (default `new Worker(entry)`); tests inject one that wraps it. Unused with `meter`. */
  readonly startMeterWorker?: MeterWorkerStarter
  /** How often the local database file is checked for deletion or replacement (default 2 s). */
  readonly databaseCheckMs?: number
  /** Where access-log lines go (default stdout). */
  readonly accessLogSink?: LineSink
  /** Access-log lines held while stdout is backed up, beyond which they are dropped and counted (default 10 000). */
  readonly accessLogMaxQueued?: number
  /** How long an access-log line waits for its usage row's tokens and cost (default 10 s). */
  readonly accessLogSettleMs?: number
  /** Health tuning: backlog limit and window, sampling, worker silence (defaults 10 000 / 60 s / 1 s / 30 s). */
  readonly meterHealth?: MeterHealthOptions
  /** How often the metering worker probes the database with a write transaction (default 5 s). */
  readonly writeProbeMs?: number
  /** Resolves webhook hosts, when a webhook is set and at every delivery (default the system resolver). */
  readonly resolveHost?: Resolver
}

/** What a server adds around the core when it stops (startGateway): each runs at its point of the shutdown. */
export interface StopPhases {
  /** Right after the core stopped its background work and turned unready: take no new connections. */
  stopAccepting?(): void
  /** Every exchange has ended, or was cut as `shutdown`: close the connections. */
  closeConnections?(): Promise<void>
  /** The last use of the database before it closes. */
  beforeDatabaseClose?(): Promise<void>
}

/** A whole gateway but its socket: what startGateway listens with, and what in-process tests call. */
export interface GatewayCore {
  /** The gateway's answer to one request, as a fetch handler (no socket: peer addresses are unknown, hence never capped). */
  handle(request: Request): Promise<Response>
  /** The Elysia app a server listens with. */
  readonly app: ReturnType<typeof createApp>
  readonly log: Logger
  readonly database: Database
  readonly keys: KeyCache
  readonly meter?: Meter
  /** Follows the jobs nobody polls (SOCIARO_JOB_POLLER); absent when off. */
  readonly jobPoller?: JobPoller
  /** Delivers the job webhooks of the orgs that have one (src/jobs/webhook-dispatcher.ts). */
  readonly webhooks: WebhookDispatcher
  /** Every provider served (the mock with its loopback address), with where its credential comes from now (undefined: it has none, its calls answer 503). */
  readonly providers: readonly ResolvedProvider[]
  credentialSources(): readonly { readonly provider: ResolvedProvider; readonly source: CredentialSource | undefined }[]
  /** Writes the keys' last-used times now (on the metering worker when it runs; tests call this instead of waiting 5 s). */
  flushLastUsed(): Promise<void>
  /** The server whose sockets the requests arrive on: peer addresses (per-address cap, access log) and stream timeouts come from it. */
  attach(server: Bun.Server<unknown>): void
  /** Stops background work, lets in-flight exchanges finish (up to `graceMs`, then cuts them), flushes, closes. */
  stop(graceMs?: number, phases?: StopPhases): Promise<void>
}

/** The production meter: the worker thread, with the usage spool (SOCIARO_SPOOL_PATH) in front of it. */
function workerMeter(config: Config, log: Logger, startWorker: MeterWorkerStarter | undefined): MeterStarter {
  return (context) => {
    const spoolPath = spoolPathFor(config.databaseUrl, config.spoolPath)
    if (!spoolPath) log.warn('the usage spool is off (SOCIARO_SPOOL_PATH=off): a crash of the process loses the usage rows not yet written')
    const spool = spoolPath ? UsageSpool.acquire({ path: spoolPath, maxBytes: config.spoolMaxBytes, fsync: config.spoolFsync }, log) : undefined
    return MeterChannel.start({
      init: context.init,
      ...(spool ? { spool } : {}),
      ...(startWorker ? { startWorker } : {}),
      log: context.log,
      onSettled: context.onSettled,
    })
  }
}

export async function createGatewayCore(config: Config, options: GatewayOptions = {}): Promise<GatewayCore> {
  const log = options.log ?? createLogger(config.logLevel, undefined, config.logFormat)
  // The mock provider's upstream runs in this process on loopback: its address and credential exist from here on.
  const mock = config.providers.some((p) => p.inProcess) ? startMockUpstream({ maxBodyBytes: config.maxBodyBytes }) : undefined
  const providerList: readonly ResolvedProvider[] = config.providers.map((p) =>
    p.inProcess && mock ? { ...p, baseUrl: mock.url, internalCredential: mock.credential } : p,
  )
  const providers = indexProviders(providerList)
  // Other threads rebuild the providers that are not built in from these; metering off, this process prices with the directory.
  const providerOrigins = originsOf(providerList.map((provider) => provider.spec))
  const providerLookup = providerDirectory(providerList.map((provider) => provider.spec))
  const openFiles = openFileLimit()
  if (openFiles !== undefined && openFiles < RECOMMENDED_OPEN_FILES) {
    log.warn('the open-file limit is low: slow clients holding connections can make new ones wait ~10 s (raise LimitNOFILE / ulimit -n)', {
      limit: openFiles,
      recommended: RECOMMENDED_OPEN_FILES,
    })
  }
  const secret = resolveSecretKey(config)
  if (secret.generatedAt) log.info('generated a credential encryption key; back it up with the database', { file: secret.generatedAt })
  const cipher = createCredentialCipher(secret.secretKey)

  const database = await openDatabase(config.databaseUrl, config.databaseAuthToken)
  await runMigrations(database.db)
  if (database.exposedMode !== undefined) {
    log.warn('the database file is readable by other users: it holds key hashes, encrypted credentials and usage; chmod 600 it and its -wal/-shm files', {
      file: database.file?.path,
      mode: `0${database.exposedMode.toString(8)}`,
    })
  }
  // A remote database has no file to lose; a local one can be deleted under us and would still take writes.
  const databaseWatch = database.file ? new DatabaseWatch(database.file, log) : undefined
  const databaseProblem = () => databaseWatch?.problem
  if (!database.isLocalFile) log.warn('remote database: spend is shared between instances, per-minute rate limits are per process')

  const keys = new KeyCache(database.db, database.client, (name) => providers.get(name)?.spec.id)
  const credentials = new CredentialCache(database.db, cipher, log)
  await Promise.all([keys.refresh(), credentials.refresh()])

  const clock = options.now ?? Date.now
  let priceOverrides: readonly PriceOverride[] = config.priceOverrides
  // Loaded here only; the metering worker receives every update, so reservations and charges use the same prices.
  let meter: Meter | undefined
  // Polled every 10 s: the worker hears of the overrides only when they changed.
  let sentPrices = ''
  // One reload at a time: a slower earlier load must not overwrite a later one. Each resolves once the worker
  // acknowledged the overrides, so an admin change is in force for every request after its answer.
  let reloads: Promise<void> = Promise.resolve()
  const reloadPrices = (): Promise<void> => {
    reloads = reloads
      .catch(() => {})
      .then(async () => {
        priceOverrides = await loadPriceOverrides(database.db, config.priceOverrides)
        const text = JSON.stringify(priceOverrides)
        if (meter && text !== sentPrices) {
          await meter.setPriceOverrides(priceOverrides)
          sentPrices = text
        }
      })
    return reloads
  }
  const reloadPricesLogged = () => reloadPrices().catch((error) => log.warn('price override reload failed', { error: String(error) }))
  await reloadPrices()
  const limits = new Limits({
    keys,
    log,
    now: clock,
    spendSince: spendSince(database.client),
    metering: config.metering,
    priceOverrides: () => priceOverrides,
    unsettledJobs: () => unsettledReservations(database.client),
  })

  const metrics = new GatewayMetrics(() => meter?.stats(), () => databaseProblem() === undefined)
  // The poller is made further down; its stats are read only when /metrics is scraped.
  const jobMetrics = new JobMetrics(database.client, () => jobPoller?.stats, log)
  for (const series of jobMetrics.series) metrics.registry.add(series)
  // Access lines are info-level facts: off with SOCIARO_ACCESS_LOG=false or a log level above info.
  const accessWriter =
    config.accessLog && LEVEL_ORDER[config.logLevel] <= LEVEL_ORDER.info
      ? new LineWriter<AccessRecord>({
          sink: options.accessLogSink ?? stdoutSink(),
          format: (record) => formatAccessLine(record, config.logFormat),
          ...(options.accessLogMaxQueued ? { maxQueued: options.accessLogMaxQueued } : {}),
        })
      : undefined
  // Set once a server listens (startGateway): peer addresses and per-request timeouts exist only with a socket.
  let server: Bun.Server<unknown> | undefined
  const addressOf = (request: Request) => server?.requestIP(request)?.address
  const accessLog = accessWriter
    ? new AccessLog({
        write: (record) => accessWriter.add(record),
        metered: config.metering,
        providers,
        now: clock,
        addressOf,
        ...(options.accessLogSettleMs ? { settleTimeoutMs: options.accessLogSettleMs } : {}),
      })
    : undefined
  if (accessWriter) {
    metrics.registry.add(new Gauge('sociaro_access_log_dropped_total', 'Access-log lines dropped because stdout stayed backed up.', () => accessWriter.dropped))
  }
  if (config.metering) {
    const startMeter = options.meter ?? workerMeter(config, log, options.startMeterWorker)
    meter = await startMeter({
      init: {
        databaseUrl: config.databaseUrl,
        ...(config.databaseAuthToken ? { databaseAuthToken: config.databaseAuthToken } : {}),
        flushIntervalMs: config.meterFlushMs,
        flushRows: config.meterFlushRows,
        retentionDays: config.usageRetentionDays,
        overrides: [...priceOverrides],
        providers: providerOrigins,
        ...(options.writeProbeMs ? { writeProbeMs: options.writeProbeMs } : {}),
      },
      log,
      client: database.client,
      onSettled: (settlements) => {
        limits.settled(settlements)
        metrics.settled(settlements)
        jobMetrics.settled(settlements)
        accessLog?.settled(settlements)
      },
    })
    sentPrices = JSON.stringify(priceOverrides)
  } else log.warn('metering is off (SOCIARO_METERING=false): no usage will be recorded')
  const meterHealth = meter ? new MeterHealth(meter, options.meterHealth) : undefined
  if (meterHealth) {
    // The same facts /healthz answers with, for alerting: 1 while metering works, 1 while the database takes writes.
    metrics.registry.add(new Gauge('sociaro_metering_healthy', '1 while the metering worker runs, answers and keeps up; 0 otherwise.', () => (meterHealth.problem() ? 0 : 1)))
    metrics.registry.add(new Gauge('sociaro_database_writable', "1 while the database took the worker's last write probe and usage batch; 0 otherwise.", () => (meterHealth.writeProblem() ? 0 : 1)))
  }
  // After the worker is ready, so after it replayed its spool: the spend budgets start from includes what a killed process left.
  await limits.load()

  // Ledger rows go through the worker when it runs (it owns the write traffic), else straight from this thread.
  const objects = new ObjectLedger({
    client: database.client,
    persist: (writes) =>
      meter
        ? meter.recordObjects(writes)
        : // Metering off: no worker, so this process writes the ledger (and settles jobs) itself, loading that code only then.
          import('./objects/ledger-writes.ts').then(({ writeObjects }) =>
            writeObjects(database.client, writes, { overrides: priceOverrides, providers: providerLookup }).then(() => undefined),
          ),
    log,
    now: clock,
  })
  await objects.warm()
  const isolationOff = new Set(providerList.filter((provider) => !provider.objectIsolation).map((provider) => provider.spec.id))
  for (const id of isolationOff) log.warn('object isolation is off: every organization can reach every object of this provider account', { provider: id })

  let ready = false
  // Exchanges between admission and the end of their response body: shutdown waits for these, not for idle keep-alive sockets.
  let active = 0
  let onIdle: (() => void) | undefined
  const tracking: ProxyStage = {
    admit: () => {
      active++
      const done = () => {
        if (--active === 0) onIdle?.()
      }
      return { observer: { onEnd: done }, rollback: done }
    },
  }
  const objectsStage = createObjectsStage({
    ledger: objects,
    orgCount: () => keys.orgCount(),
    isolationOff,
    jobs: { credentialRef: (provider) => credentialRef(credentials.source(provider), credentials.get(provider)), firstPollDelayMs: config.jobs.pollIntervalMs,
      reservedMicros: (requestId) => limits.jobReservation(requestId),
    },
  })
  // Every stage by name; the order they run in is STAGE_ORDER (src/proxy/stages.ts), with the reason for each place.
  const stages: StageSet = {
    tracking,
    'access-log': accessLog?.stage(),
    objects: objectsStage,
    limits: limits.stage(),
    meter: meter ? createMeterStage(meter, clock) : undefined,
    metrics: metrics.stage(),
  }
  // Aborted when the grace period runs out: the exchanges still open are cut, and recorded as cut by shutdown.
  const shutdown = new AbortController()
  // Every answer the gateway makes itself is counted and logged the same way, wherever it is made.
  const gatewayError = (code: GatewayError['code'], requestId: string) => {
    metrics.rejections.inc([code])
    accessLog?.gatewayError(code, requestId)
  }
  const proxyHandler = createExchangePipeline({
    // /v1/… first: the unified endpoint's segment is reserved, no provider is named so.
    routes: [unifiedRoute(providers), nativeRoute(providers)],
    providers,
    keys,
    credentials,
    config,
    log,
    ...(options.now ? { now: options.now } : {}),
    stages,
    keepAlive: (request) => server?.timeout(request, 0),
    onGatewayError: gatewayError,
    shutdownSignal: shutdown.signal,
    batchInputs: async (provider, fileId, orgId) => {
      const owner = await objects.owner(provider, fileId)
      return owner && !owner.deleted && owner.orgId === orgId && owner.kind === 'file' ? decodeBatchInput(owner.batchInput) : undefined
    },
  })
  // The unified API's GETs (/v1/models, /v1/me, …) are answered from memory in front of the pipeline, behind the same cap, log and CORS.
  const keyAnswers = createKeyAnswers({
    providers,
    keys,
    priceOverrides: () => priceOverrides,
    hasCredential: (provider) => credentials.get(provider) !== undefined,
    keyBudget: (keyId) => limits.budgetView('key', keyId),
    // The services exist by the time a request arrives (they are made below, before the app).
    usage: (input) => services.usage.query(input),
    // A page of at most 200 of one key's jobs on the jobs table's key index.
    jobs: { list: (keyId, options) => jobsForKey(database.client, keyId, options), get: (keyId, id) => jobForKey(database.client, keyId, id) },
    log,
    now: clock,
    onGatewayError: gatewayError,
    ...(accessLog ? { onKey: (keyId: string, orgId: string) => accessLog.identified(keyId, orgId) } : {}),
  })
  // The target is read from the URL once, for the key answers and then (when they do not answer) the pipeline.
  const answerOrProxy = (request: Request) => {
    const url = parseRequestTarget(request.url)
    return keyAnswers(request, url) ?? proxyHandler(request, url)
  }
  const handleProxy = capInflightPerAddress(answerOrProxy, {
    max: config.maxInflightPerIp,
    providers,
    addressOf,
    onRefused: (requestId) => gatewayError('concurrency_limited', requestId),
  })
  const logged = accessLog ? accessLog.wrap(handleProxy) : handleProxy
  // CORS outermost: a preflight is answered before anything else, and is not a proxied request (no access line).
  const handleRequest = config.corsOrigins.length > 0 ? withCors(logged, { origins: config.corsOrigins }, providers) : logged
  const canonical = (name: string) => providers.get(name)?.spec.id
  // Admin changes reach memory one way: the services emit, these follow (the limits follow the key cache).
  const changes = new ChangeEvents()
  changes.on('org.changed', ({ org }) => keys.putOrg(org))
  changes.on('key.changed', ({ key }) => keys.putKey(key))
  changes.on('credential.changed', ({ provider, secret, updatedAt }) => credentials.put(provider, secret, updatedAt))
  changes.on('prices.changed', reloadPricesLogged)
  // Admin reads (a 90-day report, the request log) run on their own thread: a local query blocks the thread it runs on.
  const queries = new QueryChannel(
    {
      databaseUrl: config.databaseUrl,
      ...(config.databaseAuthToken ? { databaseAuthToken: config.databaseAuthToken } : {}),
      providers: providerOrigins,
    },
    log,
  )
  const webhookEgress = new WebhookEgress(config.jobs.webhookEgress ?? STRICT_EGRESS, options.resolveHost)
  const services = createServices({
    webhookEgress,
    db: database.db,
    client: database.client,
    events: changes,
    providers: providerList,
    canonicalProvider: canonical,
    cipher: () => cipher,
    budgets: { org: (row) => limits.budgetView('org', row.id), key: (row) => limits.budgetView('key', row.id) },
    storedCredentials: () => credentials.storedProviders(),
    reads: queries,
    priceOverrides: () => priceOverrides,
    // Dashboard sessions and invites expire by the same clock as everything else.
    now: clock,
    // Heavy writes stay off the proxy thread: the metering worker reprices beside the usage writes it owns; without it, the query worker.
    reprice: (range) =>
      meter
        ? meter.command('reprice', { range, overrides: [...priceOverrides] }, REPRICE_TIMEOUT_MS)
        : queries.reprice({ range, overrides: [...priceOverrides] }, REPRICE_TIMEOUT_MS),
  })
  const app = createApp({
    health: {
      client: database.client,
      ready: () => ready,
      databaseProblem,
      metering: config.metering,
      ...(meterHealth ? { databaseWriteProblem: () => meterHealth.writeProblem(), meteringProblem: () => meterHealth.problem() } : {}),
    },
    admin: {
      ...(config.adminToken ? { adminToken: config.adminToken } : {}),
      services,
      log,
      databaseProblem,
    },
    proxy: (request) => handleRequest(request),
    extraRoutes: [metricsRoutes(metrics, config.metricsToken), dashboardRoutes({ services, addressOf, databaseProblem, now: clock })],
  })

  // A write on this thread would wait for the worker's write lock with the event loop blocked: the worker makes the
  // poller's and the webhook dispatcher's writes (this thread only when metering is off).
  const pollWrite = (write: JobPollWrite): Promise<number> => (meter ? meter.command('job-poll', { write }) : applyPollWrite(database.client, write))
  const jobPoller = config.jobs.poller
    ? jobPollerFor({
        client: database.client,
        write: pollWrite,
        providers: providerList,
        credentials,
        recorder: objects,
        log,
        now: clock,
        jobs: config.jobs,
      })
    : undefined
  jobPoller?.start()
  // Deliveries are fetches on this thread (where the secret key is); their claims and outcomes are the worker's writes.
  const webhooks = new WebhookDispatcher({
    client: database.client,
    write: pollWrite,
    cipher: () => cipher,
    log,
    now: clock,
    retryMs: config.jobs.webhookRetryMs ?? 10_000,
    attempts: config.jobs.webhookAttempts ?? 8,
    egress: webhookEgress,
  })
  metrics.registry.add(new ReadCounter('sociaro_job_webhooks_delivered_total', 'Job webhooks delivered (a 2xx answer).', () => webhooks.stats.delivered))
  metrics.registry.add(new ReadCounter('sociaro_job_webhook_failed_attempts_total', 'Job webhook attempts that failed (not 2xx, a redirect, a timeout or an error); retried.', () => webhooks.stats.failedAttempts))
  metrics.registry.add(new ReadCounter('sociaro_job_webhooks_given_up_total', 'Job webhooks given up after their last attempt (or because the org removed its webhook).', () => webhooks.stats.gaveUp))
  webhooks.start()
  jobMetrics.start()

  const refresher = setInterval(() => {
    Promise.all([keys.refresh(), credentials.refresh()]).catch((error) => log.warn('cache refresh failed', { error: String(error) }))
  }, config.cacheRefreshMs)
  // Overrides written by another process (CLI, another instance) arrive within 10 s.
  const priceReloader = setInterval(reloadPricesLogged, 10_000)
  // A settlement that never comes (a shed meter job) must not hold budget forever.
  const limitSweeper = setInterval(() => limits.sweep(30 * 60_000), 60_000)
  // Instances sharing a remote database see each other's spend through it.
  const spendResync = database.isLocalFile
    ? undefined
    : setInterval(() => limits.resync().catch((error) => log.warn('budget resync failed', { error: String(error) })), 5_000)
  // A write on this thread would wait for the worker's write lock with the event loop blocked: the worker does it.
  const flushLastUsed = async () => (meter ? meter.recordLastUsed(keys.takeLastUsed()) : keys.flushLastUsed())
  const lastUsedFlusher = setInterval(() => {
    flushLastUsed().catch((error) => log.warn('last-used flush failed', { error: String(error) }))
  }, 5_000)
  databaseWatch?.start(options.databaseCheckMs ?? 2_000)
  meterHealth?.start()
  ready = true

  let stopping: Promise<void> | undefined
  return {
    handle: (request) => app.handle(request),
    app,
    log,
    database,
    keys,
    ...(meter ? { meter } : {}),
    ...(jobPoller ? { jobPoller } : {}),
    webhooks,
    providers: providerList,
    credentialSources: () => providerList.map((provider) => ({ provider, source: credentials.source(provider) })),
    flushLastUsed,
    attach(listening) {
      server = listening
    },
    stop(graceMs = 30_000, phases = {}) {
      stopping ??= (async () => {
        ready = false
        clearInterval(refresher)
        clearInterval(lastUsedFlusher)
        clearInterval(limitSweeper)
        clearInterval(priceReloader)
        databaseWatch?.stop()
        meterHealth?.stop()
        await jobPoller?.stop()
        await webhooks.stop()
        jobMetrics.stop()
        if (spendResync) clearInterval(spendResync)
        // No new connections; open streams keep flowing until they end or the grace runs out.
        phases.stopAccepting?.()
        if (active > 0) {
          const idle = new Promise<void>((resolve) => (onIdle = resolve))
          await Promise.race([idle, Bun.sleep(graceMs)])
        }
        if (active > 0) {
          // Cut what is left ourselves, before the sockets close, so each exchange ends as `shutdown` and is queued.
          const idle = new Promise<void>((resolve) => (onIdle = resolve))
          shutdown.abort()
          await Promise.race([idle, Bun.sleep(1_000)])
        }
        await phases.closeConnections?.()
        await mock?.stop()
        // Every exchange has ended (or was cut) by now, so every usage job is queued: write them all.
        if (!(await objects.settled(10_000))) log.error('object ledger writes still pending at shutdown', { pending: objects.pendingWrites })
        objects.close()
        queries.close()
        await meter?.drainAndStop(30_000)
        // After the drain: the last settlements have completed their lines; what still waits is written as it is.
        accessLog?.close()
        accessWriter?.flush()
        await keys.flushLastUsed().catch(() => {})
        await phases.beforeDatabaseClose?.()
        database.close()
      })()
      return stopping
    },
  }
}
