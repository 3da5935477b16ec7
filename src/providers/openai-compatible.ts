// Builds the spec of an OpenAI-compatible provider: Bearer auth, JSON `model`, OpenAI error shape.
import { defineProvider, type ProviderSpec } from './spec.ts'

export interface OpenAICompatibleOptions {
  id: string
  displayName: string
  baseUrl: string
  aliases?: readonly string[]
  pricingId?: string
}

export function openAICompatible(options: OpenAICompatibleOptions): ProviderSpec {
  return defineProvider({
    id: options.id,
    displayName: options.displayName,
    baseUrl: options.baseUrl,
    ...(options.aliases ? { aliases: options.aliases } : {}),
    clientKey: ['bearer'],
    upstreamAuth: { header: 'authorization', prefix: 'Bearer ' },
    modelRules: [{ match: /\/(chat\/completions|completions|embeddings|responses)$/, methods: ['POST'], from: 'body' }],
    errorShape: 'openai',
    usageFamily: 'openai',
    ...(options.pricingId ? { pricingId: options.pricingId } : {}),
  })
}
