// OpenAI: api.openai.com, Bearer keys, JSON or multipart `model`.
import { openaiDialect, openaiErrors } from './dialects/openai/index.ts'
import { openaiBatchJobs } from './dialects/openai/batches.ts'
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
  jobs: openaiBatchJobs,
  // Every endpoint that runs a model named somewhere other than the top-level "model" is listed (see ModelRule).
  modelRules: [
    // The model at the top level (JSON) or in the multipart "model" field (audio, image edits, videos).
    {
      match:
        /^\/v1\/(chat\/completions|completions|embeddings|images\/generations|images\/edits|images\/variations|audio\/speech|audio\/transcriptions|audio\/translations|videos|assistants)$/,
      methods: ['POST'],
      from: 'body',
    },
    // A stored prompt may pick the model when "model" is absent; an image_generation tool names its own model.
    {
      match: /^\/v1\/responses(?:\/input_tokens)?$/,
      methods: ['POST'],
      from: 'body-optional',
      nested: [{ path: 'tools[].model' }],
      unknowableWithout: 'model',
      unknowableBecause: 'a response without "model" will run (a stored prompt chooses it)',
    },
    // Beta realtime sessions: the session model plus the transcription model.
    { match: /^\/v1\/realtime\/sessions$/, methods: ['POST'], from: 'body', nested: [{ path: 'input_audio_transcription.model' }] },
    {
      match: /^\/v1\/realtime\/transcription_sessions$/,
      methods: ['POST'],
      from: 'body-optional',
      nested: [{ path: 'input_audio_transcription.model' }],
      unknowableWithout: 'input_audio_transcription.model',
      unknowableBecause: 'a transcription session without "input_audio_transcription.model" will run',
    },
    // An ephemeral secret for a realtime session: the model is inside "session"; without one the default runs.
    {
      match: /^\/v1\/realtime\/client_secrets$/,
      methods: ['POST'],
      from: 'body-optional',
      nested: [{ path: 'session.model' }, { path: 'session.audio.input.transcription.model' }],
      unknowableWithout: 'session.model',
      unknowableBecause: 'a realtime session without "session.model" will run',
    },
    {
      match: /^\/v1\/realtime\/calls\/[^/]+\/accept$/,
      methods: ['POST'],
      from: 'body-optional',
      nested: [{ path: 'audio.input.transcription.model' }],
      unknowableWithout: 'model',
      unknowableBecause: 'an accepted call without "model" will run',
    },
    // The session of a new call is a JSON part of a multipart SDP offer, which the gateway does not read.
    { match: /^\/v1\/realtime\/calls$/, methods: ['POST'], from: 'unknowable', unknowableBecause: 'a realtime call will run' },
    // The base model is checked; a reinforcement job also runs grader models (possibly several, by name).
    {
      match: /^\/v1\/fine_tuning\/jobs$/,
      methods: ['POST'],
      from: 'body',
      unknowableWith: ['method.reinforcement'],
      unknowableBecause: 'the graders of a reinforcement fine-tuning job will run',
    },
    { match: /^\/v1\/fine_tuning\/alpha\/graders\/run$/, methods: ['POST'], from: 'unknowable', unknowableBecause: 'a grader will run' },
    // A batch runs the models of its input file, which was uploaded earlier (not necessarily through this gateway).
    {
      match: /^\/v1\/batches$/,
      methods: ['POST'],
      from: 'unknowable',
      unknowableBecause: 'a batch will run: the models are in its input file, which the gateway cannot see',
      // Unless the file was uploaded through the gateway by a key limited to some models: its lines were read then.
      batchInputFile: 'input_file_id',
    },
    // Batch input uploads: every line's body.model is checked (see ModelRule.batchInputUpload).
    { match: /^\/v1\/files$/, methods: ['POST'], from: 'body-optional', batchInputUpload: true },
    // Assistants runs use the stored assistant's model unless the run overrides it.
    {
      match: /^\/v1\/threads(?:\/[^/]+)?\/runs$/,
      methods: ['POST'],
      from: 'body-optional',
      unknowableWithout: 'model',
      unknowableBecause: 'a run without "model" will run (the stored assistant chooses it)',
    },
    {
      match: /^\/v1\/threads\/[^/]+\/runs\/[^/]+\/submit_tool_outputs$/,
      methods: ['POST'],
      from: 'unknowable',
      unknowableBecause: 'the continued run will run (it keeps the model it was created with)',
    },
    // An eval run samples with data_source.model and grades with the stored eval's grader models.
    {
      match: /^\/v1\/evals\/[^/]+\/runs$/,
      methods: ['POST'],
      from: 'unknowable',
      nested: [{ path: 'data_source.model' }],
      unknowableBecause: "an eval run will run (the stored eval's graders name their own models)",
    },
    { match: /^\/v1\/videos\/[^/]+\/remix$/, methods: ['POST'], from: 'unknowable', unknowableBecause: 'a remix will run (it reuses the original video\'s model)' },
  ],
  errorShape: openaiErrors,
  dialect: openaiDialect,
  pricingId: 'openai',
  openAICompatible: { chatCompletions: '/v1/chat/completions', embeddings: '/v1/embeddings', responses: '/v1/responses' },
})
