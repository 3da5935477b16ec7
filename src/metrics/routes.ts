// GET /metrics in Prometheus text format, optionally behind its own bearer token.
import { Elysia } from 'elysia'
import { createAdminCheck } from '../admin/admin-auth.ts'
import type { GatewayMetrics } from './gateway-metrics.ts'

export function metricsRoutes(metrics: GatewayMetrics, token?: string) {
  const authorized = token ? createAdminCheck(token) : () => true
  return new Elysia({ name: 'metrics' }).get('/metrics', ({ request }) =>
    authorized(request.headers.get('authorization'))
      ? new Response(metrics.render(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } })
      : new Response('unauthorized\n', { status: 401 }),
  )
}
