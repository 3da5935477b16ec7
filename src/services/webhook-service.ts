// An org's job webhook: a checked https URL and a signing secret (stored encrypted); the secret is never shown again.
import { requireOrg, StoreError } from '../store/orgs.ts'
import { clearOrgWebhook, setOrgWebhook } from '../store/org-webhooks.ts'
import { WebhookEgress } from '../jobs/webhook-egress.ts'
import { DELIVERY_STATES, deliveriesPage, redeliver, type DeliveryState, type DeliveryView } from '../jobs/webhook-deliveries.ts'
import type { ServiceContext } from './service-context.ts'

export interface WebhookView {
  readonly org_id: string
  /** null: no webhook. */
  readonly url: string | null
}

export interface WebhookService {
  get(org: string): Promise<WebhookView>
  set(org: string, input: { url: string; secret: string }): Promise<WebhookView>
  clear(org: string): Promise<WebhookView>
  /** The org's deliveries, newest first: state (pending, delivered, given_up), attempts, last result. */
  deliveries(org: string, input?: { state?: string; cursor?: string; limit?: number }): Promise<{ data: DeliveryView[]; next_cursor: string | null }>
  /** Announces one of the org's settled jobs again, now (a job of another org is not found). */
  redeliver(org: string, jobId: string): Promise<DeliveryView>
}

const MAX_URL_LENGTH = 2048

/** https (http only to loopback receivers when allowed), no user:password in it (it would be logged and sent as is); the one place deliveries may go. */
export function checkWebhookUrl(text: string, egress: WebhookEgress = new WebhookEgress()): URL {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new StoreError('invalid', 'webhook url is not a URL')
  }
  try {
    egress.checkShape(url)
  } catch (error) {
    throw new StoreError('invalid', (error as Error).message)
  }
  if (url.username || url.password) throw new StoreError('invalid', 'webhook url must not carry credentials')
  if (url.hash) throw new StoreError('invalid', 'webhook url must not have a #fragment')
  if (url.href.length > MAX_URL_LENGTH) throw new StoreError('invalid', `webhook url is longer than ${MAX_URL_LENGTH} characters`)
  return url
}

/** The URL's shape and where its host resolves now: a receiver on a refused address is refused when it is set, not only at delivery. */
export async function checkWebhookTarget(text: string, egress: WebhookEgress = new WebhookEgress()): Promise<string> {
  const url = checkWebhookUrl(text, egress)
  try {
    await egress.targets(url)
  } catch (error) {
    throw new StoreError('invalid', (error as Error).message)
  }
  return url.href
}

export function createWebhookService<B>(ctx: ServiceContext<B>): WebhookService {
  return {
    async get(org) {
      const row = await requireOrg(ctx.db, org)
      return { org_id: row.id, url: row.webhookUrl }
    },
    async set(org, input) {
      const row = await requireOrg(ctx.db, org)
      const url = await checkWebhookTarget(input.url, ctx.webhookEgress)
      const secret = input.secret.trim()
      if (secret.length < 16) throw new StoreError('invalid', 'webhook secret must be at least 16 characters')
      if (secret.length > 512) throw new StoreError('invalid', 'webhook secret must be at most 512 characters')
      await setOrgWebhook(ctx.db, ctx.cipher(), row.id, url, secret, Math.max(ctx.now(), row.updatedAt + 1))
      return { org_id: row.id, url }
    },
    async deliveries(org, input = {}) {
      const row = await requireOrg(ctx.db, org)
      if (input.state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(input.state)) throw new StoreError('invalid', `state must be one of ${DELIVERY_STATES.join(', ')}`)
      try {
        return await deliveriesPage(ctx.client, row.id, {
          ...(input.state ? { state: input.state as DeliveryState } : {}),
          ...(input.cursor ? { cursor: input.cursor } : {}),
          ...(input.limit ? { limit: input.limit } : {}),
        })
      } catch (error) {
        if (error instanceof RangeError) throw new StoreError('invalid', error.message)
        throw error
      }
    },
    async redeliver(org, jobId) {
      const row = await requireOrg(ctx.db, org)
      const outcome = await redeliver(ctx.client, row.id, jobId, ctx.now())
      if (outcome.ok) return outcome.delivery
      if (outcome.reason === 'no_job') throw new StoreError('not_found', `no job "${jobId.slice(0, 100)}" in this organization`)
      if (outcome.reason === 'not_settled') throw new StoreError('conflict', 'the job has not ended yet: it is announced when it settles')
      throw new StoreError('conflict', 'the organization has no webhook: set one first')
    },
    async clear(org) {
      const row = await requireOrg(ctx.db, org)
      await clearOrgWebhook(ctx.db, row.id, Math.max(ctx.now(), row.updatedAt + 1))
      return { org_id: row.id, url: null }
    },
  }
}
