// What every service is built from: the store, the change events, and where budgets, reads and reprices come from.
import type { UsageReads } from '../analytics/usage-reads.ts'
import type { ResolvedProvider } from '../config.ts'
import type { Client } from '@libsql/client'
import type { Db } from '../db/client.ts'
import type { ApiKeyRow, OrgRow } from '../db/schema.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { CredentialCipher } from '../secrets/credential-cipher.ts'
import type { RepriceRange, RepriceResult } from '../types/reprice.ts'
import type { WebhookEgress } from '../jobs/webhook-egress.ts'
import type { ChangeEvents } from './change-events.ts'
import type { SessionCacheOptions } from './session-cache.ts'
import type { SignInLimits } from './sign-in-limiter.ts'

/** A scope's current-period budget state, of whatever shape the caller's source gives (null: no budget). */
export interface BudgetSource<B> {
  org(row: OrgRow): B | null | Promise<B | null>
  key(row: ApiKeyRow): B | null | Promise<B | null>
}

export interface DashboardSessionOptions {
  /** Default 12 hours. */
  readonly sessionMs?: number
  readonly limits?: SignInLimits
  /** Bounds of the in-memory session cache (defaults: 10 000 sessions, re-read after 5 s). */
  readonly cache?: SessionCacheOptions
}

export interface ServiceDeps<B> {
  readonly db: Db
  /** The same database, for the reads written in SQL (the jobs ledger). */
  readonly client: Client
  readonly events: ChangeEvents
  readonly providers: readonly ResolvedProvider[]
  /** Provider id for an id or alias (undefined: unknown). */
  readonly canonicalProvider: (name: string) => string | undefined
  /** Opened on first use: a command that stores no credential needs no encryption key. */
  readonly cipher: () => CredentialCipher
  /** The gateway's live ledger (with reservations), or the CLI's read of the database. */
  readonly budgets: BudgetSource<B>
  /** Providers with a credential in the database. */
  readonly storedCredentials: () => ReadonlySet<string> | Promise<ReadonlySet<string>>
  /** Usage reads: on the query worker in a gateway, on the calling thread in the CLI. */
  readonly reads: UsageReads
  /** Recomputes stored costs with every override in force: on a worker in a gateway. */
  readonly reprice: (range: RepriceRange) => Promise<RepriceResult>
  /** Every price override in force (database and config file), for a request's cost split (default none). */
  readonly priceOverrides?: () => readonly PriceOverride[]
  /** Default Date.now: the usage filter's default window ends now. */
  readonly now?: () => number
  /** Where job webhooks may go (default: public https receivers only). */
  readonly webhookEgress?: WebhookEgress
  /** Dashboard session length and sign-in limits (defaults: 12 hours; 5 failures per account, 20 per address, per 15 minutes). */
  readonly dashboard?: DashboardSessionOptions
}

export interface ServiceContext<B> extends ServiceDeps<B> {
  readonly providerNames: ReadonlySet<string>
  readonly now: () => number
}
