// Alibaba Cloud Model Studio (DashScope): native /api/v1, OpenAI-compatible /compatible-mode/v1, Anthropic-compatible /apps/anthropic.
import { anthropicDialect, anthropicErrors } from './dialects/anthropic/index.ts'
import { dashscopeDialect, dashscopeErrors } from './dialects/dashscope/index.ts'
import { dashscopeJobs } from './dialects/dashscope/tasks.ts'
import { openaiDialect, openaiErrors } from './dialects/openai/index.ts'
import { defineProvider } from './spec.ts'

export default defineProvider({
  id: 'dashscope',
  aliases: ['alibaba'],
  displayName: 'Alibaba Cloud Model Studio (DashScope)',
  baseUrl: 'https://dashscope-intl.aliyuncs.com',
  // Keys are region-bound: pick the region whose key you hold.
  regions: {
    intl: 'https://dashscope-intl.aliyuncs.com',
    cn: 'https://dashscope.aliyuncs.com',
    us: 'https://dashscope-us.aliyuncs.com',
    hk: 'https://cn-hongkong.dashscope.aliyuncs.com',
  },
  clientKey: ['bearer', 'x-api-key'],
  upstreamAuth: { header: 'authorization', prefix: 'Bearer ' },
  // A workspace id belongs to the caller's account, not the gateway's.
  dropHeaders: ['x-dashscope-workspace'],
  modelRules: [
    { match: /^\/compatible-mode\/v1\/(chat\/completions|completions|embeddings|responses)$/, methods: ['POST'], from: 'body' },
    // OpenAI-compatible batches: the models are in the input file (uploads with purpose=batch are checked line by line).
    {
      match: /^\/compatible-mode\/v1\/batches$/,
      methods: ['POST'],
      from: 'unknowable',
      unknowableBecause: 'a batch will run: the models are in its input file, which the gateway cannot see',
    },
    { match: /^\/compatible-mode\/v1\/files$/, methods: ['POST'], from: 'body-optional', batchInputUpload: true },
    // An application (agent or workflow) runs the model it was configured with in the console.
    { match: /^\/api\/v1\/apps\/[^/]+\/completion$/, methods: ['POST'], from: 'unknowable', unknowableBecause: 'an application will run (it was configured with its own model)' },
    { match: /^\/api\/v1\/services\//, methods: ['POST'], from: 'body' },
    { match: /^\/apps\/anthropic\/v1\/messages$/, methods: ['POST'], from: 'body' },
  ],
  errorShape: openaiErrors,
  errorShapeRules: [
    { match: /^\/api\//, shape: dashscopeErrors },
    { match: /^\/apps\/anthropic\//, shape: anthropicErrors },
  ],
  jobs: dashscopeJobs,
  // Native /api/v1 and anything else not listed reads as DashScope's own format, as it always has.
  dialect: dashscopeDialect,
  dialectRules: [
    { match: /^\/compatible-mode\//, dialect: openaiDialect },
    { match: /^\/apps\/anthropic\//, dialect: anthropicDialect },
  ],
  openAICompatible: {
    chatCompletions: '/compatible-mode/v1/chat/completions',
    embeddings: '/compatible-mode/v1/embeddings',
    responses: '/compatible-mode/v1/responses',
  },
})
