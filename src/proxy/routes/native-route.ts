// The native pass-through route: /{provider}/{upstream path} goes to that provider's same path, in its own error shape.
import type { ResolvedProvider } from '../../config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { dialectFor, errorFormatFor } from '../../providers/provider-wire.ts'
import type { ErrorShape, ProviderSpec } from '../../providers/spec.ts'
import { modelNameHint } from '../model-name-hint.ts'
import { canonicalUpstreamPath, withoutQueryKey, type RequestTarget } from '../request-target.ts'
import type { RouteEntry, RouteResolver, RouteTarget } from './route-target.ts'

export function errorShapeFor(spec: ProviderSpec, path: string): ErrorShape {
  return errorFormatFor(spec, path)
}

/** Takes every request whose first path segment is a configured provider id or alias. */
export function nativeRoute(providers: ReadonlyMap<string, ResolvedProvider>): RouteResolver {
  // One hint function per provider, made once: a request allocates nothing for it.
  const hints = new Map<string, NonNullable<RouteTarget['modelHint']>>()
  const hintFor = (id: string) => {
    let hint = hints.get(id)
    if (!hint) hints.set(id, (hint = (model, allows) => modelNameHint(model, id, providers, allows)))
    return hint
  }
  return {
    enter(url: RequestTarget): RouteEntry | undefined {
      const provider = providers.get(url.provider)
      if (!provider) return undefined
      const spec = provider.spec
      // One spelling for the model check, the later stages and the upstream URL, so what is checked is what is sent.
      const path = canonicalUpstreamPath(url.path)
      const shape = errorShapeFor(spec, path ?? url.path)
      if (path === undefined) return { errorShape: shape, refusal: new GatewayError('invalid_path', 'The request path is not allowed.') }
      const target: RouteTarget = {
        provider,
        path,
        query: spec.clientKey.includes('query-key') ? withoutQueryKey(url.query) : url.query,
        errorShape: shape,
        dialect: dialectFor(spec, path),
        allowlistProvider: spec.id,
        modelHint: hintFor(spec.id),
      }
      return { errorShape: shape, clientKey: spec.clientKey, clientQuery: url.query, target }
    },
  }
}
