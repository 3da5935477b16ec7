// Builds the spec of an OpenAI-compatible provider: Bearer auth, JSON `model`, OpenAI error shape.
import { openaiDialect, openaiErrors } from './dialects/openai/index.ts'
import { defineProvider, type ModelRule, type OpenAICompatibleEndpoints, type OpenAICompatibleOptions, type OpenAIEndpoint, type ProviderSpec } from './spec.ts'

export type { OpenAICompatibleOptions }

/** Batches (OpenAI-style `/batches`, Mistral's `/batch/jobs`, xAI's per-batch `/requests`) run models the gateway cannot see. */
const BATCH_RULES: readonly ModelRule[] = [
  {
    match: /\/(batches|batch\/jobs|batches\/[^/]+\/requests)$/,
    methods: ['POST'],
    from: 'unknowable',
    unknowableBecause: 'a batch will run: its requests are in an input file or added separately',
  },
  { match: /\/files$/, methods: ['POST'], from: 'body-optional', batchInputUpload: true },
]

const ENDPOINT_PATHS: Readonly<Record<OpenAIEndpoint, string>> = { chatCompletions: '/chat/completions', embeddings: '/embeddings', responses: '/responses' }
const ALL_ENDPOINTS: readonly OpenAIEndpoint[] = ['chatCompletions', 'embeddings', 'responses']

/** The unified API's paths on such a provider: its OpenAI path prefix plus each endpoint it offers. */
function endpointsOf(options: OpenAICompatibleOptions): OpenAICompatibleEndpoints {
  const prefix = (options.openAIPath ?? '/v1').replace(/\/+$/, '')
  const offered = new Set(options.openAIEndpoints ?? ALL_ENDPOINTS)
  const paths: { -readonly [E in OpenAIEndpoint]?: string } = {}
  for (const endpoint of ALL_ENDPOINTS) if (offered.has(endpoint)) paths[endpoint] = `${prefix}${ENDPOINT_PATHS[endpoint]}`
  return { ...paths, chatCompletions: `${prefix}${ENDPOINT_PATHS.chatCompletions}` }
}

export function openAICompatible(options: OpenAICompatibleOptions): ProviderSpec {
  return defineProvider({
    id: options.id,
    displayName: options.displayName,
    baseUrl: options.baseUrl,
    ...(options.aliases ? { aliases: options.aliases } : {}),
    clientKey: ['bearer'],
    upstreamAuth: { header: 'authorization', prefix: 'Bearer ' },
    modelRules: [
      ...(options.modelRules ?? []),
      {
        match: /\/(chat\/completions|completions|embeddings|responses)$/,
        methods: ['POST'],
        from: 'body',
        ...(options.nestedModels ? { nested: options.nestedModels } : {}),
      },
      ...BATCH_RULES,
    ],
    errorShape: openaiErrors,
    dialect: openaiDialect,
    ...(options.pricingId ? { pricingId: options.pricingId } : {}),
    openAICompatible: endpointsOf(options),
    origin: { openAICompatible: options },
  })
}
