// Pure classifier: which provider-side object a request creates, names or lists, per provider (or that it runs a model).

export type ObjectKind =
  | 'file'
  | 'batch'
  | 'vector_store'
  | 'response'
  | 'chat_completion'
  | 'assistant'
  | 'thread'
  | 'upload'
  | 'fine_tuning_job'
  | 'video'
  | 'container'
  | 'conversation'
  | 'message_batch'
  | 'task'
  | 'cached_content'
  | 'operation'

/** The provider's list envelope for a listing answered from the ledger. */
export type ListShape = 'openai' | 'anthropic' | 'gemini' | 'dashscope' | 'byteplus'

/** An object the provider made on its own for this one (a batch's output file): it belongs to the same org. */
export interface ChildIn {
  readonly kind: ObjectKind
  /** Path to an id, or to an array of ids. */
  readonly path: readonly string[]
}

/** Where the created object's id (and the object itself, for the snapshot) sit in the creation response. */
export interface CreatedIn {
  readonly kind: ObjectKind
  /** Path to the id, e.g. ["id"], ["output","task_id"], ["task_info","id"]. */
  readonly id: readonly string[]
  /** Path to the object kept as the snapshot; omitted: the whole body. */
  readonly object?: readonly string[]
  /** Only the id is needed (nothing lists this kind): the head of the answer is enough, however long it is. */
  readonly idOnly?: boolean
  /** Objects the answer names that the provider created for this one, relative to the object. */
  readonly children?: readonly ChildIn[]
}

export type ObjectRoute =
  /** Runs a model or reads public metadata: no object of its own (ids inside the body are still checked). */
  | { readonly type: 'model' }
  | { readonly type: 'create'; readonly creates: CreatedIn }
  | {
      readonly type: 'access'
      readonly id: string
      readonly kind: ObjectKind
      /** A 2xx answer deletes the object. */
      readonly deletes: boolean
      /** A 2xx answer is the object itself: its snapshot is refreshed from it. */
      readonly refreshes: boolean
      /** Where the object sits in such an answer. */
      readonly answeredIn: CreatedIn
      /** Some sub-resources create a new object (an upload's completion makes a file, a video remix a video). */
      readonly creates?: CreatedIn
    }
  | { readonly type: 'list'; readonly kind: ObjectKind; readonly shape: ListShape }
  /** Not a known model or object endpoint: the gateway cannot tell whose data it touches. */
  | { readonly type: 'unknown' }

export interface RouteInput {
  readonly method: string
  readonly path: string
  readonly json: Record<string, unknown> | undefined
  readonly headers: Headers
}

type Groups = Record<string, string | undefined>
interface Rule {
  readonly methods: readonly string[]
  readonly match: RegExp
  readonly route: (groups: Groups, input: RouteInput) => ObjectRoute
}

const MODEL: ObjectRoute = { type: 'model' }
const UNKNOWN: ObjectRoute = { type: 'unknown' }

/** Path segments arrive percent-encoded; the provider decodes them, so the ledger compares decoded ids. */
function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

const re = (prefix: string, rest: string) => new RegExp(`^${prefix}${rest}$`)

function model(methods: string[], prefix: string, rest: string): Rule {
  return { methods, match: re(prefix, rest), route: () => MODEL }
}

function create(prefix: string, rest: string, creates: CreatedIn, when?: (input: RouteInput) => boolean): Rule {
  return { methods: ['POST'], match: re(prefix, rest), route: (_g, input) => (!when || when(input) ? { type: 'create', creates } : MODEL) }
}

function list(prefix: string, rest: string, kind: ObjectKind, shape: ListShape): Rule {
  return { methods: ['GET'], match: re(prefix, rest), route: () => ({ type: 'list', kind, shape }) }
}

interface AccessOptions {
  /** The ledger's id from the path's id segment (Gemini names objects "files/abc"). */
  readonly name?: (id: string, groups: Groups) => string
  /** Sub-resources (after the id) that create an object, by their exact text. */
  readonly creates?: Readonly<Record<string, CreatedIn>>
  /** Sub-resources whose 2xx answer is the object itself (cancel returns the cancelled batch). */
  readonly returnsObject?: readonly string[]
  /** Where the object sits in its own GET answer; omitted: the body, with its `id`. */
  readonly answeredIn?: Omit<CreatedIn, 'kind'>
}

/** `{prefix}{rest}` must hold the groups `id` and, optionally, `sub` (what follows the id). */
function access(prefix: string, rest: string, kind: ObjectKind, options: AccessOptions = {}): Rule {
  return {
    methods: ['GET', 'POST', 'DELETE', 'PATCH', 'PUT'],
    match: re(prefix, rest),
    route: (groups, input) => {
      const raw = decodeSegment(groups.id ?? '')
      const sub = groups.sub ?? ''
      const creates = options.creates?.[sub]
      const bare = sub === ''
      return {
        type: 'access',
        id: options.name ? options.name(raw, groups) : raw,
        kind,
        deletes: bare && input.method === 'DELETE',
        refreshes: (bare && input.method !== 'DELETE') || (options.returnsObject ?? []).includes(sub),
        answeredIn: { kind, ...(options.answeredIn ?? { id: ['id'] }) },
        ...(creates ? { creates } : {}),
      }
    },
  }
}

const ID = '(?<id>[^/]+)'
/** A finished batch names the files the provider wrote its results to; a fine-tuning job its result files. */
const BATCH_FILES: ChildIn[] = [{ kind: 'file', path: ['output_file_id'] }, { kind: 'file', path: ['error_file_id'] }]
const FINE_TUNING_FILES: ChildIn[] = [{ kind: 'file', path: ['result_files'] }]
const byId = (kind: ObjectKind): CreatedIn => ({ kind, id: ['id'] })
const storedUnlessOptedOut = (input: RouteInput) => input.json?.store !== false
const storedWhenAsked = (input: RouteInput) => input.json?.store === true

/** The OpenAI object API, wherever a provider mirrors it under `prefix` (OpenAI /v1, DashScope /compatible-mode/v1, …). */
function openAIRules(prefix: string): Rule[] {
  return [
    // Chat completions are stored (and become listable objects) only with `store: true`.
    create(prefix, '/chat/completions', byId('chat_completion'), storedWhenAsked),
    model(['POST'], prefix, '/(?:completions|embeddings|moderations|rerank|images/(?:generations|edits|variations)|audio/(?:speech|transcriptions|translations)|responses/input_tokens|realtime/(?:sessions|transcription_sessions|client_secrets))'),
    model(['GET'], prefix, '/models(?:/.+)?'),
    // Responses are stored unless the request says `store: false`; a stream names the id in `response.created`.
    create(prefix, '/responses', { kind: 'response', id: ['id'], idOnly: true }, storedUnlessOptedOut),
    access(prefix, `/responses/${ID}(?<sub>/input_items|/cancel)?`, 'response', { returnsObject: ['/cancel'] }),
    create(prefix, '/files', byId('file')),
    list(prefix, '/files', 'file', 'openai'),
    access(prefix, `/files/${ID}(?<sub>/content)?`, 'file'),
    create(prefix, '/uploads', byId('upload')),
    access(prefix, `/uploads/${ID}(?<sub>/parts|/complete|/cancel)`, 'upload', { creates: { '/complete': { kind: 'file', id: ['file', 'id'], object: ['file'] } } }),
    create(prefix, '/batches', { kind: 'batch', id: ['id'], children: BATCH_FILES }),
    list(prefix, '/batches', 'batch', 'openai'),
    access(prefix, `/batches/${ID}(?<sub>/cancel)?`, 'batch', { returnsObject: ['/cancel'], answeredIn: { id: ['id'], children: BATCH_FILES } }),
    create(prefix, '/vector_stores', byId('vector_store')),
    list(prefix, '/vector_stores', 'vector_store', 'openai'),
    access(prefix, `/vector_stores/${ID}(?<sub>/.+)?`, 'vector_store'),
    create(prefix, '/assistants', byId('assistant')),
    list(prefix, '/assistants', 'assistant', 'openai'),
    access(prefix, `/assistants/${ID}`, 'assistant'),
    create(prefix, '/threads', byId('thread')),
    // Creating a thread and its run at once answers with the run, which names the new thread.
    create(prefix, '/threads/runs', { kind: 'thread', id: ['thread_id'] }),
    access(prefix, `/threads/${ID}(?<sub>/.+)?`, 'thread'),
    list(prefix, '/chat/completions', 'chat_completion', 'openai'),
    access(prefix, `/chat/completions/${ID}(?<sub>/messages)?`, 'chat_completion'),
    create(prefix, '/fine_tuning/jobs', byId('fine_tuning_job')),
    list(prefix, '/fine_tuning/jobs', 'fine_tuning_job', 'openai'),
    access(prefix, `/fine_tuning/jobs/${ID}(?<sub>/.+)?`, 'fine_tuning_job', {
      returnsObject: ['/cancel', '/pause', '/resume'],
      answeredIn: { id: ['id'], children: FINE_TUNING_FILES },
    }),
    create(prefix, '/videos', byId('video')),
    list(prefix, '/videos', 'video', 'openai'),
    access(prefix, `/videos/${ID}(?<sub>/content|/remix)?`, 'video', { creates: { '/remix': byId('video') } }),
    create(prefix, '/containers', byId('container')),
    list(prefix, '/containers', 'container', 'openai'),
    access(prefix, `/containers/${ID}(?<sub>/.+)?`, 'container'),
    create(prefix, '/conversations', byId('conversation')),
    access(prefix, `/conversations/${ID}(?<sub>/.+)?`, 'conversation'),
  ]
}

const ANTHROPIC_RULES: Rule[] = [
  model(['POST'], '/v1', '/(?:messages|messages/count_tokens|complete)'),
  model(['GET'], '/v1', '/models(?:/[^/]+)?'),
  create('/v1', '/messages/batches', byId('message_batch')),
  list('/v1', '/messages/batches', 'message_batch', 'anthropic'),
  access('/v1', `/messages/batches/${ID}(?<sub>/cancel|/results)?`, 'message_batch', { returnsObject: ['/cancel'] }),
  create('/v1', '/files', byId('file')),
  list('/v1', '/files', 'file', 'anthropic'),
  access('/v1', `/files/${ID}(?<sub>/content)?`, 'file'),
]

const GEMINI_VERSION = '/v1(?:alpha|beta)?'
const byName = (kind: ObjectKind): CreatedIn => ({ kind, id: ['name'] })
const NAMED = { id: ['name'] }
/** A Gemini batch with file output names its responses file when done. */
const GEMINI_BATCH_FILES: ChildIn[] = [
  { kind: 'file', path: ['response', 'responsesFile'] },
  { kind: 'file', path: ['metadata', 'output', 'responsesFile'] },
  { kind: 'file', path: ['dest', 'fileName'] },
]
const GEMINI_RULES: Rule[] = [
  ...openAIRules(`${GEMINI_VERSION}/openai`),
  create(GEMINI_VERSION, '/(?:models|tunedModels)/[^/:]+:batchGenerateContent', byName('batch')),
  create(GEMINI_VERSION, '/(?:models|tunedModels)/[^/:]+:predictLongRunning', byName('operation')),
  model(['POST'], GEMINI_VERSION, '/(?:models|tunedModels)/[^/:]+:(?:generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents|predict)'),
  model(['GET'], GEMINI_VERSION, '/models(?:/[^/:]+)?'),
  // Uploads answer {"file": {...}}; a resumable upload's start carries no file yet (nothing to record until the last part).
  create(`/upload${GEMINI_VERSION}`, '/files', { kind: 'file', id: ['file', 'name'], object: ['file'] }),
  list(GEMINI_VERSION, '/files', 'file', 'gemini'),
  access(GEMINI_VERSION, `/files/(?<id>[^/:]+)(?<sub>:download)?`, 'file', { name: (id) => `files/${id}`, answeredIn: NAMED }),
  // A file's bytes (a batch's responses file) are downloaded under /download/: owned like the file itself.
  access(`/download${GEMINI_VERSION}`, `/files/(?<id>[^/:]+)(?<sub>:download)`, 'file', { name: (id) => `files/${id}`, answeredIn: NAMED }),
  list(GEMINI_VERSION, '/batches', 'batch', 'gemini'),
  access(GEMINI_VERSION, `/batches/(?<id>[^/:]+)(?<sub>:cancel)?`, 'batch', { name: (id) => `batches/${id}`, answeredIn: { ...NAMED, children: GEMINI_BATCH_FILES } }),
  create(GEMINI_VERSION, '/cachedContents', byName('cached_content')),
  list(GEMINI_VERSION, '/cachedContents', 'cached_content', 'gemini'),
  access(GEMINI_VERSION, `/cachedContents/(?<id>[^/:]+)`, 'cached_content', { name: (id) => `cachedContents/${id}`, answeredIn: NAMED }),
  access(GEMINI_VERSION, `/(?<parent>(?:models|tunedModels)/[^/:]+)/operations/(?<id>[^/:]+)`, 'operation', { name: (id, g) => `${g.parent}/operations/${id}`, answeredIn: NAMED }),
  access(GEMINI_VERSION, `/operations/(?<id>[^/:]+)`, 'operation', { name: (id) => `operations/${id}`, answeredIn: NAMED }),
]

const isDashScopeAsync = (input: RouteInput) => (input.headers.get('x-dashscope-async') ?? '').toLowerCase() === 'enable'
const DASHSCOPE_RULES: Rule[] = [
  ...openAIRules('/compatible-mode/v1'),
  // The async header turns any service call into a task; without it the call answers synchronously.
  create('/api/v1', '/services/.+', { kind: 'task', id: ['output', 'task_id'], object: ['output'] }, isDashScopeAsync),
  model(['POST'], '/api/v1', '/services/.+'),
  list('/api/v1', '/tasks', 'task', 'dashscope'),
  access('/api/v1', `/tasks/${ID}(?<sub>/cancel)?`, 'task', { answeredIn: { id: ['output', 'task_id'], object: ['output'] } }),
  model(['POST'], '/apps/anthropic/v1', '/messages(?:/count_tokens)?'),
]

const BYTEPLUS_RULES: Rule[] = [
  create('/api/v3', '/contents/generations/tasks', byId('task')),
  list('/api/v3', '/contents/generations/tasks', 'task', 'byteplus'),
  access('/api/v3', `/contents/generations/tasks/${ID}`, 'task'),
  model(['POST'], '/api/v3', '/(?:embeddings/multimodal|batch/chat/completions)'),
  ...openAIRules('/api/v3'),
]

const MULEROUTER_VENDOR = '(?:/vendors/[^/]+)?/v1'
const MULEROUTER_RULES: Rule[] = [
  model(['POST'], MULEROUTER_VENDOR, '/(?:chat/completions|messages|messages/count_tokens|embeddings)'),
  model(['GET'], MULEROUTER_VENDOR, '/models(?:/.+)?'),
  create(MULEROUTER_VENDOR, '/responses', { kind: 'response', id: ['id'], idOnly: true }, storedUnlessOptedOut),
  access(MULEROUTER_VENDOR, `/responses/${ID}(?<sub>/input_items|/cancel)?`, 'response'),
  // Vendor tasks: created at /vendors/{vendor}/v1/{model}/{action}, polled at the same path plus /{task_id}.
  create('/vendors/[^/]+/v1', '/[^/]+/.+', { kind: 'task', id: ['task_info', 'id'], object: ['task_info'] }),
  {
    methods: ['GET'],
    match: /^\/vendors\/[^/]+\/v1\/[^/]+\/.+\/(?<id>[^/]+)$/,
    route: (g) => ({
      type: 'access',
      id: decodeSegment(g.id ?? ''),
      kind: 'task',
      deletes: false,
      refreshes: true,
      answeredIn: { kind: 'task', id: ['task_info', 'id'], object: ['task_info'] },
    }),
  },
]

/** Where each OpenAI-compatible provider mounts the OpenAI API in the client's path. */
const OPENAI_PREFIX: Readonly<Record<string, string>> = {
  openai: '/v1',
  mistral: '/v1',
  xai: '/v1',
  together: '/v1',
  groq: '/openai/v1',
  deepseek: '(?:/v1|/beta)?',
  fireworks: '/inference/v1',
  openrouter: '/api/v1',
}

/** Mistral's own model endpoints beside its OpenAI-shaped ones. */
const MISTRAL_EXTRA: Rule[] = [model(['POST'], '/v1', '/(?:fim/completions|agents/completions|ocr|classifications|chat/classifications|chat/moderations)')]

/** Providers added in the config file: the client's path may carry a version prefix of up to two segments. */
const CUSTOM_PREFIX = '(?:/[A-Za-z0-9._~-]+){0,2}'

const RULES = new Map<string, readonly Rule[]>([
  ['anthropic', ANTHROPIC_RULES],
  ['gemini', GEMINI_RULES],
  ['dashscope', DASHSCOPE_RULES],
  ['byteplus', BYTEPLUS_RULES],
  ['mulerouter', MULEROUTER_RULES],
  ['mistral', [...MISTRAL_EXTRA, ...openAIRules(OPENAI_PREFIX.mistral!)]],
  ...Object.entries(OPENAI_PREFIX)
    .filter(([id]) => id !== 'mistral')
    .map(([id, prefix]): [string, readonly Rule[]] => [id, openAIRules(prefix)]),
])
const CUSTOM_RULES = openAIRules(CUSTOM_PREFIX)

export function classifyObjectRequest(providerId: string, input: RouteInput): ObjectRoute {
  const rules = RULES.get(providerId) ?? CUSTOM_RULES
  for (const rule of rules) {
    if (!rule.methods.includes(input.method)) continue
    const match = rule.match.exec(input.path)
    if (match) return rule.route(match.groups ?? {}, input)
  }
  return UNKNOWN
}
