// An org's job webhook: a checked https URL and a signing secret (stored encrypted); the secret is never shown again.
import { requireOrg, StoreError } from '../store/orgs.ts'
import { clearOrgWebhook, setOrgWebhook } from '../store/org-webhooks.ts'
import { WebhookEgress } from '../jobs/webhook-egress.ts'
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
    await egress.target(url)
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
    async clear(org) {
      const row = await requireOrg(ctx.db, org)
      await clearOrgWebhook(ctx.db, row.id, Math.max(ctx.now(), row.updatedAt + 1))
      return { org_id: row.id, url: null }
    },
  }
}
