// OpenAI: api.openai.com, Bearer keys, JSON or multipart `model`.
import { defineProvider } from './spec.ts'

export default defineProvider({
  id: 'openai',
  displayName: 'OpenAI',
  baseUrl: 'https://api.openai.com',
  regions: { us: 'https://us.api.openai.com', eu: 'https://eu.api.openai.com', ae: 'https://ae.api.openai.com' },
  clientKey: ['bearer'],
  upstreamAuth: { header: 'authorization', prefix: 'Bearer ' },
  // Organization and project scope the caller's own key; the gateway's credential has its own.
  dropHeaders: ['openai-organization', 'openai-project'],
  modelRules: [
    {
      match:
        /^\/v1\/(chat\/completions|completions|embeddings|responses|responses\/input_tokens|images\/generations|images\/edits|images\/variations|audio\/speech|audio\/transcriptions|audio\/translations|videos|realtime\/sessions|realtime\/transcription_sessions|fine_tuning\/jobs|assistants)$/,
      methods: ['POST'],
      from: 'body',
    },
  ],
  errorShape: 'openai',
  usageFamily: 'openai',
  pricingId: 'openai',
})
