// Acme: a test-only provider with a wire format of its own (JSON `meter`, NDJSON streams ending in a `done` line, `fault` errors), kept outside src/.
import type { Dialect, ErrorFormat } from '../../../src/providers/dialect.ts'
import { defineProvider } from '../../../src/providers/spec.ts'
import { positiveInt } from '../../../src/wire/request-fields.ts'
import { tailText } from '../../../src/wire/stream-tail-text.ts'
import { extractAcme } from './usage.ts'

export const ACME_FAULT_KINDS: Readonly<Record<string, string>> = { auth: 'NOT_ALLOWED', permission: 'NOT_ALLOWED', not_found: 'NO_SUCH_THING' }

export const acmeErrors: ErrorFormat = {
  id: 'acme',
  body: (error, kind, requestId) => ({ fault: { kind: ACME_FAULT_KINDS[kind] ?? 'BROKEN', detail: error.message, ref: requestId } }),
}

export const acmeDialect: Dialect = {
  id: 'acme',
  usage: extractAcme,
  // The stream's last non-empty line is its terminal object.
  streamEnd: (chunks) => {
    const lines = tailText(chunks).text.trimEnd().split('\n')
    return /"done"\s*:\s*true/.test(lines[lines.length - 1] ?? '')
  },
  // Streams are NDJSON (not SSE): only the `:stream` verb says so.
  streamsByPath: (path) => path.endsWith(':stream'),
  maxTokens: (json) => positiveInt(json.limit),
  answers: () => undefined,
  prompt: (body, count) => {
    const text = (body as { text?: unknown } | null)?.text
    if (typeof text === 'string') count.texts.push(text)
  },
  // Counting tokens is free; it names a model and answers without a meter, so only this rule makes its row a real $0.
  freeEndpoint: (_method, path) => path === '/v2/count',
}

export default defineProvider({
  id: 'acme',
  displayName: 'Acme (test-only wire format)',
  baseUrl: 'https://acme.invalid',
  clientKey: ['bearer'],
  upstreamAuth: { header: 'x-acme-key' },
  modelRules: [
    { match: /^\/v2\/(?:generate(?::stream)?|count)$/, methods: ['POST'], from: 'body' },
  ],
  errorShape: acmeErrors,
  dialect: acmeDialect,
  // Priced with genai-prices' Anthropic entries: the engine names are Anthropic's models.
  pricingId: 'anthropic',
  // The metering worker imports this same file.
  origin: { module: import.meta.url },
})
