// Anthropic: api.anthropic.com; the official SDK may send its key as x-api-key or Bearer.
import { defineProvider } from './spec.ts'

export default defineProvider({
  id: 'anthropic',
  displayName: 'Anthropic',
  baseUrl: 'https://api.anthropic.com',
  clientKey: ['x-api-key', 'bearer'],
  upstreamAuth: { header: 'x-api-key' },
  modelRules: [{ match: /^\/v1\/(messages|messages\/count_tokens|complete)$/, methods: ['POST'], from: 'body' }],
  errorShape: 'anthropic',
  usageFamily: 'anthropic',
  pricingId: 'anthropic',
})
