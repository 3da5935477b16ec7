// Every table the gateway stores, as Drizzle definitions; drizzle-kit generates drizzle/ from this file.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** Times are integer milliseconds since the epoch; money is integer micro-USD. */
export const orgs = sqliteTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** IANA zone in which budget periods turn over. */
  timeZone: text('time_zone').notNull().default('UTC'),
  /** How streams without usage are metered: 'estimate' (bytes untouched) or 'inject' (include_usage added). */
  streamUsage: text('stream_usage').notNull().default('estimate'),
  budgetMicros: integer('budget_micros'),
  budgetPeriod: text('budget_period'),
  budgetSoftPercent: integer('budget_soft_percent'),
  /** Where each settled job is announced (POST, signed); null: no webhook. http(s) only. */
  webhookUrl: text('webhook_url'),
  /** The HMAC signing secret, AES-256-GCM like provider credentials (src/secrets/credential-cipher.ts). */
  webhookSecret: text('webhook_secret'),
  webhookKeyId: text('webhook_key_id'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => orgs.id),
    name: text('name').notNull(),
    /** SHA-256 of the whole secret, hex. The secret itself is never stored. */
    keyHash: text('key_hash').notNull().unique(),
    displayPrefix: text('display_prefix').notNull(),
    last4: text('last4').notNull(),
    status: text('status', { enum: ['active', 'revoked'] }).notNull().default('active'),
    /** JSON array of allowlist patterns such as "openai/gpt-4o*". */
    models: text('models').notNull().default('["*"]'),
    expiresAt: integer('expires_at'),
    /** Overrides the org's stream_usage when set. */
    streamUsage: text('stream_usage'),
    budgetMicros: integer('budget_micros'),
    budgetPeriod: text('budget_period'),
    budgetSoftPercent: integer('budget_soft_percent'),
    rpm: integer('rpm'),
    tpm: integer('tpm'),
    maxConcurrency: integer('max_concurrency'),
    createdAt: integer('created_at').notNull(),
    /** Bumped by every edit; running servers poll it to refresh their in-memory key cache. */
    updatedAt: integer('updated_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [index('api_keys_updated_idx').on(t.updatedAt), index('api_keys_org_idx').on(t.orgId)],
)

export const providerCredentials = sqliteTable('provider_credentials', {
  provider: text('provider').primaryKey(),
  /** AES-256-GCM: base64 of iv || ciphertext || tag, under SOCIARO_SECRET_KEY. */
  sealed: text('sealed').notNull(),
  /** Fingerprint of the secret key that sealed it, so a wrong key is reported, not mis-decrypted. */
  keyId: text('key_id').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/** What a usage row's cost is (src/metering/worker/usage-record.ts says what each means): typed here, not a CHECK in SQL. */
export const COST_STATUSES = ['priced', 'estimated', 'unpriced', 'no_usage', 'mock', 'refused'] as const
/** Where a usage row's token counts came from. */
export const USAGE_SOURCES = ['reported', 'estimated', 'none'] as const

export const usageEvents = sqliteTable(
  'usage_events',
  {
    requestId: text('request_id').primaryKey(),
    startedAt: integer('started_at').notNull(),
    orgId: text('org_id').notNull(),
    keyId: text('key_id').notNull(),
    provider: text('provider').notNull(),
    model: text('model'),
    endpoint: text('endpoint').notNull(),
    method: text('method').notNull(),
    status: integer('status').notNull(),
    streamed: integer('streamed', { mode: 'boolean' }).notNull(),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cacheReadTokens: integer('cache_read_tokens').notNull().default(0),
    cacheWriteTokens: integer('cache_write_tokens').notNull().default(0),
    reasoningTokens: integer('reasoning_tokens').notNull().default(0),
    images: integer('images'),
    videoSeconds: integer('video_seconds'),
    audioSeconds: integer('audio_seconds'),
    costMicros: integer('cost_micros'),
    /** priced | estimated | unpriced | no_usage | mock (the built-in mock provider: $0, nothing billed) | refused
     *  (answered by the gateway, nothing went upstream: $0) */
    costStatus: text('cost_status', { enum: COST_STATUSES }).notNull(),
    /** reported (by the provider) | estimated (tokenizer) | none */
    usageSource: text('usage_source', { enum: USAGE_SOURCES }).notNull().default('none'),
    priceSource: text('price_source'),
    /** Why a cost is missing or partial, in words. */
    costDetail: text('cost_detail'),
    /** complete | client_abort | upstream_error | timeout | shutdown | refused */
    endedBy: text('ended_by').notNull(),
    partial: integer('partial', { mode: 'boolean' }).notNull().default(false),
    ttfbMs: integer('ttfb_ms'),
    durationMs: integer('duration_ms').notNull(),
    user: text('user'),
    tags: text('tags'),
    rawUsage: text('raw_usage'),
    /** The gateway's error code when it answered itself (refusals, 502/504 for an upstream it could not use). */
    errorCode: text('error_code'),
  },
  (t) => [
    index('usage_org_time_idx').on(t.orgId, t.startedAt),
    index('usage_key_time_idx').on(t.keyId, t.startedAt),
    // Time alone, not model × time: prune, reprice and an unscoped or model-filtered request log walk it (they
    // scanned the whole table before), and an index that only appends is the cheapest one to keep per row.
    index('usage_time_idx').on(t.startedAt),
  ],
)

/**
 * Quarter-hour, hourly and daily (UTC) sums per org × key × provider × model, and (grains `quarter_dims`,
 * `hour_dims`) per user × tag set × outcome too, updated in the same transaction as the raw rows. Quarter hours exist
 * for zones whose hours do not start on UTC hours (Asia/Kolkata, Asia/Kathmandu): their local hours and days are
 * unions of quarters, so they are exact too. See db/rollup-buckets.ts.
 */
export const usageRollups = sqliteTable(
  'usage_rollups',
  {
    grain: text('grain', { enum: ['quarter', 'hour', 'day', 'quarter_dims', 'hour_dims'] }).notNull(),
    bucketStart: integer('bucket_start').notNull(),
    orgId: text('org_id').notNull(),
    keyId: text('key_id').notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    /** *_dims grains: the request's end-user id ('' for none); '' in the other grains. */
    user: text('user').notNull().default(''),
    /** *_dims grains: the request's tags as stored on its row (a JSON array; '' for none): a tag filter matches the sets holding it. */
    tags: text('tags').notNull().default(''),
    /** *_dims grains: ok (HTTP status below 400) or error (400 and above); '' in the other grains. */
    outcome: text('outcome').notNull().default(''),
    requests: integer('requests').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cacheReadTokens: integer('cache_read_tokens').notNull().default(0),
    cacheWriteTokens: integer('cache_write_tokens').notNull().default(0),
    reasoningTokens: integer('reasoning_tokens').notNull().default(0),
    costMicros: integer('cost_micros').notNull().default(0),
    unpricedRequests: integer('unpriced_requests').notNull().default(0),
    estimatedRequests: integer('estimated_requests').notNull().default(0),
  },
  (t) => [
    // Org, grain and time lead the key, and the table is WITHOUT ROWID (migration 0010): a report's rows sit together
    // in key order, so a range is read in one sequential walk with no lookup per row, and an upsert touches one tree.
    primaryKey({ columns: [t.orgId, t.grain, t.bucketStart, t.keyId, t.provider, t.model, t.user, t.tags, t.outcome] }),
  ],
)

export const priceOverrides = sqliteTable('price_overrides', {
  id: text('id').primaryKey(),
  /** null: applies to every org. */
  orgId: text('org_id'),
  provider: text('provider').notNull(),
  modelPattern: text('model_pattern').notNull(),
  /** JSON of the price fields (micro-USD per million tokens, per image, per second). */
  prices: text('prices').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/**
 * Provider-side objects (files, batches, tasks, stored responses, …) created through the gateway, and who owns them:
 * organizations share one provider account, so the gateway is what keeps one org out of another's objects.
 * `status` and `snapshot` (the provider's JSON of the object, bounded) are kept current as the object is read.
 */
export const providerObjects = sqliteTable(
  'provider_objects',
  {
    provider: text('provider').notNull(),
    objectId: text('object_id').notNull(),
    /** file | batch | task | response | vector_store | message_batch | … (src/objects/object-routes.ts) */
    kind: text('kind').notNull(),
    orgId: text('org_id').notNull(),
    keyId: text('key_id').notNull(),
    /** The request that created it (its usage row). */
    requestId: text('request_id').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    deletedAt: integer('deleted_at'),
    /** The provider's status word when the object has one (batch, task). */
    status: text('status'),
    snapshot: text('snapshot'),
    /** A batch input file uploaded by a key limited to some models: its lines' models and bounds (JSON), read at upload. */
    batchInput: text('batch_input'),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.objectId] }),
    index('provider_objects_org_idx').on(t.orgId, t.provider, t.kind, t.createdAt),
    index('provider_objects_created_idx').on(t.createdAt),
  ],
)

/**
 * What each running server says about itself at start-up, for CLI commands run from another shell: its address, and
 * which providers have a credential in its environment (ids only, never a value). One row per host and address.
 */
export const serverReports = sqliteTable('server_reports', {
  /** `<machine hostname> <url>`: a restart on the same address replaces its row. */
  instance: text('instance').primaryKey(),
  hostname: text('hostname').notNull(),
  url: text('url').notNull(),
  pid: integer('pid').notNull(),
  version: text('version').notNull(),
  /** JSON array of { id, base_url, env_credential } for every provider the server serves. */
  providers: text('providers').notNull(),
  startedAt: integer('started_at').notNull(),
  /** Set by an orderly stop; a crashed server leaves it null (the CLI then probes the address). */
  stoppedAt: integer('stopped_at'),
})

/**
 * Provider-side async jobs (tasks, batches) the gateway follows and bills once (src/jobs/): who created each, where
 * (upstream base and credential), what it asked for (the parameters that drive price), its status and its cost.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    /** Our id (`job_…`): also the request id of the job's one usage row. */
    id: text('id').primaryKey(),
    provider: text('provider').notNull(),
    /** The provider's id of the job (task id, batch id). */
    providerJobId: text('provider_job_id').notNull(),
    orgId: text('org_id').notNull(),
    keyId: text('key_id').notNull(),
    /** The request that created it. */
    requestId: text('request_id').notNull(),
    model: text('model'),
    /** video | image | audio | task | batch | message_batch */
    kind: text('kind').notNull(),
    /** The upstream path the job was created at (MuleRouter polls that path plus the id). */
    createPath: text('create_path').notNull(),
    /** The upstream base and credential it was created with: polls go to the same region and account. */
    upstreamBase: text('upstream_base').notNull(),
    /** `<source>:<sha-256 prefix of the secret>`, never the secret. */
    credentialRef: text('credential_ref').notNull(),
    /** JSON of the request parameters that drive price (duration, resolution, n, …). */
    params: text('params').notNull(),
    /** queued | running | succeeded | failed | canceled | expired | unknown */
    status: text('status').notNull(),
    rawStatus: text('raw_status'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    finishedAt: integer('finished_at'),
    /** When the provider forgets the job (and its results): the poller stops there. */
    resultExpiresAt: integer('result_expires_at'),
    reservedMicros: integer('reserved_micros'),
    costMicros: integer('cost_micros'),
    /** The cost_status of its usage row once settled. */
    costStatus: text('cost_status'),
    rawUsage: text('raw_usage'),
    /** The upstream path of its results, read before it is billed (a batch's output file); null for tasks. */
    resultsPath: text('results_path'),
    /** Set once, when its one usage row was written: the job is billed exactly once. */
    settledAt: integer('settled_at'),
    /** When the background poller looks at it next (null: it does not). */
    nextPollAt: integer('next_poll_at'),
    pollAttempts: integer('poll_attempts').notNull().default(0),
    pollErrors: integer('poll_errors').notNull().default(0),
  },
  (t) => [
    uniqueIndex('jobs_provider_job_idx').on(t.provider, t.providerJobId),
    index('jobs_org_idx').on(t.orgId, t.createdAt),
    index('jobs_next_poll_idx').on(t.nextPollAt),
  ],
)

/** One row per named lease: the instance holding it (until `expires_at`) is the only one running that loop. */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: integer('expires_at').notNull(),
})

/** People who sign in to the dashboard: one org each, a role, an argon2id hash (null until an invite is accepted). */
export const dashboardUsers = sqliteTable(
  'dashboard_users',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => orgs.id),
    /** Lower-cased; unique across orgs, so a sign-in names one account. */
    email: text('email').notNull().unique(),
    role: text('role', { enum: ['viewer', 'admin'] }).notNull(),
    passwordHash: text('password_hash'),
    createdAt: integer('created_at').notNull(),
    disabledAt: integer('disabled_at'),
  },
  (t) => [index('dashboard_users_org_idx').on(t.orgId)],
)

/** One-time links that set a user's password; only the SHA-256 of the token is stored. */
export const dashboardInvites = sqliteTable('dashboard_invites', {
  tokenHash: text('token_hash').primaryKey(),
  userId: text('user_id').notNull().references(() => dashboardUsers.id),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
})

/** Server-side dashboard sessions (by the SHA-256 of the cookie's token): a user's, or a gateway key holder's. */
export const dashboardSessions = sqliteTable(
  'dashboard_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    orgId: text('org_id').notNull(),
    /** Exactly one of user and key is set. */
    userId: text('user_id'),
    keyId: text('key_id'),
    csrfToken: text('csrf_token').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('dashboard_sessions_user_idx').on(t.userId)],
)

export type OrgRow = typeof orgs.$inferSelect
export type ApiKeyRow = typeof apiKeys.$inferSelect
export type ProviderObjectRow = typeof providerObjects.$inferSelect
export type JobRow = typeof jobs.$inferSelect
export type DashboardUserRow = typeof dashboardUsers.$inferSelect
export type DashboardSessionRow = typeof dashboardSessions.$inferSelect

/**
 * The webhook outbox: one row per settled job of an org with a webhook, written in the transaction that settles
 * it (src/jobs/job-writes.ts), so a restart neither loses nor repeats an announcement (src/jobs/webhook-dispatcher.ts).
 */
export const jobWebhooks = sqliteTable(
  'job_webhooks',
  {
    jobId: text('job_id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** The JSON body, fixed at settlement: every attempt signs and sends the same bytes. */
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** null once delivered or given up. */
    nextAttemptAt: integer('next_attempt_at'),
    deliveredAt: integer('delivered_at'),
    gaveUpAt: integer('gave_up_at'),
    /** The last attempt's HTTP status, or its error. */
    lastResult: text('last_result'),
  },
  // Due deliveries for the dispatcher; an org's deliveries, newest first, for the admin list.
  (t) => [index('job_webhooks_due_idx').on(t.nextAttemptAt), index('job_webhooks_org_idx').on(t.orgId, t.createdAt, t.jobId)],
)
