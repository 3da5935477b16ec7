// createServices(deps): the admin surface every adapter uses (admin API, CLI; next the dashboard and /v1/me), typed and in one place.
import type { ServiceDeps } from './service-context.ts'
import { createJobService, type JobService } from './job-service.ts'
import { createKeyService, type KeyService } from './key-service.ts'
import { createOrgService, type OrgService } from './org-service.ts'
import { createPriceService, type PriceService } from './price-service.ts'
import { createProviderService, type ProviderService } from './provider-service.ts'
import { createUsageService, type UsageService } from './usage-service.ts'
import { createDashboardSessionService, type DashboardSessionService } from './dashboard-session-service.ts'
import { createDashboardUserService, type DashboardUserService } from './dashboard-user-service.ts'
import { createWebhookService, type WebhookService } from './webhook-service.ts'

/**
 * Each service validates its input (a ServiceError for anything wrong), changes the store, announces the change
 * (`ChangeEvents`; its answer waits for the subscribers, so the change is in force once answered) and answers with
 * API objects (`views.ts`). `B` is the budget state's shape, which the deps' budget source decides.
 *
 *   services.orgs.list()                 services.keys.list(org?)            services.keys.create({ org, name, ... })
 *   services.providers.setCredential()   services.prices.create({ provider, model, ... })
 *   services.usage.query({ from, to, group_by })   services.usage.requests({ key, limit, cursor })
 *   services.prices.reprice({ from, to, org? })    services.jobs.list({ org, status, cursor })
 */
export interface Services<B> {
  readonly orgs: OrgService<B>
  readonly keys: KeyService<B>
  readonly providers: ProviderService
  readonly prices: PriceService
  readonly usage: UsageService
  readonly jobs: JobService
  /** Dashboard users and their invites. */
  readonly users: DashboardUserService
  /** Dashboard sign-in and sessions (the sign-in limits live in this object: one per process). */
  readonly sessions: DashboardSessionService
  /** An org's job webhook (URL and sealed signing secret). */
  readonly webhooks: WebhookService
}

export function createServices<B>(deps: ServiceDeps<B>): Services<B> {
  const ctx = { ...deps, now: deps.now ?? Date.now, providerNames: new Set(deps.providers.flatMap((p) => [p.spec.id, ...(p.spec.aliases ?? [])])) }
  return {
    orgs: createOrgService(ctx),
    keys: createKeyService(ctx),
    providers: createProviderService(ctx),
    prices: createPriceService(ctx),
    usage: createUsageService(ctx),
    jobs: createJobService(ctx),
    users: createDashboardUserService(ctx),
    sessions: createDashboardSessionService(ctx, deps.dashboard),
    webhooks: createWebhookService(ctx),
  }
}
