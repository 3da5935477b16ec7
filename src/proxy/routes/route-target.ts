// What a route resolver makes of a request: the route target the exchange pipeline runs, known in one step or two.
import type { ResolvedProvider } from '../../config.ts'
import type { GatewayError } from '../../errors/gateway-error.ts'
import type { ClientKeyLocation, ErrorShape } from '../../providers/spec.ts'
import type { Dialect } from '../../providers/dialect.ts'
import type { RequestTarget } from '../request-target.ts'

/** Where a request goes and how it is judged there: everything the pipeline needs to admit and forward it. */
export interface RouteTarget {
  readonly provider: ResolvedProvider
  /** The canonical upstream path (`canonicalUpstreamPath`): the model check, the stages and the upstream URL use this spelling. */
  readonly path: string
  /** The upstream query without "?" ("" when none), the gateway key already removed. */
  readonly query: string
  /** The shape of the errors the gateway makes for this request once the target is known. */
  readonly errorShape: ErrorShape
  /** The wire format of this exchange (for now the provider's usage family). */
  readonly dialect: Dialect
  /** The provider the allowlist checks each model on: it sees `${allowlistProvider}/${model}`. */
  readonly allowlistProvider: string
  /** Why a model the allowlist refused may be a naming mistake (a sentence), when it may be one. */
  readonly modelHint?: (model: string, allows: (provider: string, model: string) => boolean) => string | undefined
  /** How the credential goes upstream, when not as the provider's `upstreamAuth` (an OpenAI-compatible path taking Bearer). */
  readonly upstreamAuth?: { readonly header: string; readonly prefix?: string }
  /** The bytes that go upstream instead of the client's (a model name rewrite); applied once, after the bounded read. */
  readonly editBody?: (body: Uint8Array) => Uint8Array
  /** The body that goes upstream, already parsed by the resolver (a JSON object): the model check reuses it instead of parsing again. */
  readonly json?: Record<string, unknown>
}

/** Known from the URL and headers alone, before the key is checked. */
interface EntryCommon {
  /** The shape of the errors the gateway makes until the target is known (and, when refused, of the refusal). */
  readonly errorShape: ErrorShape
  /** Where the client's gateway key is, in order. */
  readonly clientKey: readonly ClientKeyLocation[]
  /** The query as the client sent it (without "?"), for a key sent as `?key=`. */
  readonly clientQuery: string
  /**
   * How a known key's request refused before its target is known (a precheck, the body read, step two) is recorded:
   * the provider and endpoint its refusal row names. Without it such a refusal leaves no row.
   */
  readonly refusedAs?: { readonly provider: string; readonly path: string }
}

/**
 * Step one of resolution, from the URL and headers only (synchronous: it runs before the pipeline's first await).
 * - `target`: the route is known from the URL (native routes); its credential is checked before the body is read.
 * - `afterBody`: the route depends on the body (the provider named by a JSON `model`): the key and the prechecks
 *   run first, then the bounded body read, then step two; it throws a GatewayError (rendered in `errorShape`) for a
 *   body that names no valid route.
 * - `refusal`: refused from the URL alone (an unsafe path), before the key is looked at.
 */
export type RouteEntry =
  | (EntryCommon & { readonly target: RouteTarget; readonly afterBody?: undefined; readonly refusal?: undefined })
  | (EntryCommon & {
      readonly target?: undefined
      /** `noteModel`: told the model the body names once it is read, so that a refusal of step two records it. */
      readonly afterBody: (body: Uint8Array | undefined, request: Request, noteModel: (model: string) => void) => RouteTarget
      readonly refusal?: undefined
    })
  | { readonly errorShape: ErrorShape; readonly refusal: GatewayError; readonly target?: undefined; readonly afterBody?: undefined }

/** One way of addressing the gateway (native pass-through, a unified endpoint): asked in order, the first that takes a request wins. */
export interface RouteResolver {
  /** The route entry for this request, or undefined when it is not this resolver's (the next one is asked). */
  enter(url: RequestTarget, request: Request): RouteEntry | undefined
}
