// The contract every provider module satisfies: a provider is data, checked by this type, and owns all the gateway knows of it.
import type { JobRules } from '../types/jobs.ts'
import type { Dialect, ErrorFormat } from './dialect.ts'

/** Where the client's gateway key may arrive. The first location that holds a key wins. */
export type ClientKeyLocation = 'bearer' | 'x-api-key' | 'x-goog-api-key' | 'query-key'

/** The error format a provider answers in on a path (see ErrorFormat). */
export type ErrorShape = ErrorFormat

/**
 * How a thread other than the one that loaded a provider gets the same module: the metering worker rebuilds every
 * provider that is not built in from this. `module`: a module URL whose default export is the spec (a provider kept
 * outside src/, e.g. `import.meta.url` of its own file); `openAICompatible`: the options of openAICompatible().
 */
export type ProviderOrigin = { readonly module: string } | { readonly openAICompatible: OpenAICompatibleOptions }

/** What openAICompatible() builds a provider from (plain data, so it can cross to the metering worker). */
export interface OpenAICompatibleOptions {
  readonly id: string
  readonly displayName: string
  readonly baseUrl: string
  readonly aliases?: readonly string[]
  readonly pricingId?: string
  /** Provider-specific rules, tried before the shared ones. */
  readonly modelRules?: readonly ModelRule[]
  /** Further models inference requests name (OpenRouter's `models` fallback list). */
  readonly nestedModels?: readonly NestedModel[]
  /** Where its OpenAI-compatible API lives under the base URL (default `/v1`; the config file's `openai_path`). */
  readonly openAIPath?: string
  /** Which OpenAI endpoints it offers there (default all three). */
  readonly openAIEndpoints?: readonly OpenAIEndpoint[]
}

/** The endpoints of the unified `/v1/…` API, each served by a provider's own OpenAI-compatible path. */
export type OpenAIEndpoint = 'chatCompletions' | 'embeddings' | 'responses'

/**
 * The provider's own OpenAI-compatible endpoints, which the unified `/v1/…` API forwards to (the request changed only
 * in its `model` value). Each path is a canonical upstream path that this module's rules read as the OpenAI wire
 * format (its dialect rules give an OpenAI-family dialect there, its model rules read the JSON `model`).
 */
export type OpenAICompatibleEndpoints = { readonly [E in OpenAIEndpoint]?: string } & {
  readonly chatCompletions: string
  /** How the credential goes upstream on these paths, when not as `upstreamAuth` (Anthropic's takes OpenAI's Bearer). */
  readonly upstreamAuth?: { readonly header: string; readonly prefix?: string }
}

/**
 * Where the model name lives for requests whose path matches `match`.
 * - `body`: JSON field `model`, or the multipart form field `model`; required (400 without it).
 * - `body-optional`: checked when present (moderations, any endpoint not listed).
 * - `path`: the named group `model` of `match`; required. A `path` rule without that group refuses every request it
 *   matches (400): the fail-closed catch-all for spellings of a model path the gateway cannot read.
 * - `none`: the endpoint carries no model (listings, files, task polls); nothing to check.
 * - `unknowable`: the endpoint runs models the gateway cannot see (a batch's input file, a stored eval's
 *   graders, a stored agent); a key limited to some of the provider's models is refused (403).
 * Requests no rule matches: `body-optional` for methods with a body, `none` for the others, so a
 * model named anywhere the gateway can read it is always checked against the key's allowlist.
 * Every model a request can cause to run is checked: `nested` lists the further places in a JSON body.
 */
export interface ModelRule {
  readonly match: RegExp
  /** Limit the rule to these methods (upper case). Omitted: any method. */
  readonly methods?: readonly string[]
  readonly from: 'body' | 'body-optional' | 'path' | 'none' | 'unknowable'
  /** Further models the JSON body names, each checked like the top-level one. */
  readonly nested?: readonly NestedModel[]
  /**
   * The body is a list of requests (a batch create): its JSON parse budget is per MiB, as a batch input file's
   * (wire/json-budget.ts batchBudget), not one request's. A pattern: only the paths of this rule it matches.
   */
  readonly bulk?: boolean | RegExp
  /**
   * A JSON path that, when absent, leaves the model to something stored upstream (an assistant, a prompt,
   * the session default): the run is then unknowable. E.g. `model` for thread runs, `session.model`.
   */
  readonly unknowableWithout?: string
  /** JSON paths whose presence makes the run unknowable (e.g. an `agent` instead of a model). */
  readonly unknowableWith?: readonly string[]
  /** Why the models are unknowable, finishing "the gateway cannot tell which model …" (for the 403 message). */
  readonly unknowableBecause?: string
  /** Removed from the start of every model name read from the body (Gemini names `models/gemini-…` there). */
  readonly stripPrefix?: string
  /** The request uploads a batch input file (multipart, `purpose=batch`): every JSONL line's `body.model` is checked. */
  readonly batchInputUpload?: boolean
  /** A batch create: the JSON field naming its input file, whose models recorded at upload may stand for the unknowable. */
  readonly batchInputFile?: string
}

/**
 * A dotted JSON path to model names; `[]` after a segment walks every element of that array:
 * `requests[].params.model`, `models[]`, `session.model`. A missing object member is skipped, unless
 * `required`; a value of the wrong type anywhere on the path is unreadable (400), like a non-string leaf.
 */
export interface NestedModel {
  readonly path: string
  readonly required?: boolean
}

export interface ProviderSpec {
  /** Stable id: the first path segment clients use, the config name, the value stored in usage rows. */
  readonly id: string
  /** Other first path segments that reach this provider. */
  readonly aliases?: readonly string[]
  readonly displayName: string
  /** Upstream origin plus any path prefix; the client's `{rest}` is appended to it. No trailing slash. */
  readonly baseUrl: string
  /** Named alternatives for `baseUrl` (regions, data residency); chosen with SOCIARO_<ID>_REGION. */
  readonly regions?: Readonly<Record<string, string>>
  readonly clientKey: readonly ClientKeyLocation[]
  /** How the real credential is sent upstream, e.g. `{ header: 'authorization', prefix: 'Bearer ' }`. */
  readonly upstreamAuth: { readonly header: string; readonly prefix?: string }
  /** Client headers that scope an account and would not match the real credential. Lower case. */
  readonly dropHeaders?: readonly string[]
  /** Evaluated in order against the canonical upstream path (no query; see canonicalUpstreamPath); the first match decides. */
  readonly modelRules: readonly ModelRule[]
  /** Error shape, optionally per path (first match wins, then `errorShape`). */
  readonly errorShape: ErrorShape
  readonly errorShapeRules?: readonly { readonly match: RegExp; readonly shape: ErrorShape }[]
  /** The wire format of this provider's requests and responses (usage, stream end, max_tokens, prompt), optionally per path. */
  readonly dialect: Dialect
  /** Evaluated in order against the canonical path; the first match decides, else `dialect`. */
  readonly dialectRules?: readonly { readonly match: RegExp; readonly dialect: Dialect }[]
  /** Provider id in @pydantic/genai-prices, when it covers this provider: used as given, never guessed from the name. */
  readonly pricingId?: string
  /** Its async jobs (tasks): how a submit is recognised, where id, status and usage sit (src/jobs/ follows and bills them once). */
  readonly jobs?: JobRules
  /** Nothing this provider answers is billed (the in-process mock): every row is a true $0, whatever a price says. */
  readonly unbilled?: boolean
  /** Its OpenAI-compatible endpoints, when it has any: what the unified `/v1/…` API reaches it through. */
  readonly openAICompatible?: OpenAICompatibleEndpoints
  /** Where the metering worker loads this provider from; absent for the built-in ones (see ProviderOrigin). */
  readonly origin?: ProviderOrigin
}

export const defineProvider = <const P extends ProviderSpec>(spec: P): P => spec
