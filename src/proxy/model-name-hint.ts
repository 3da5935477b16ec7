// Pure: why a refused `provider/model` name on a native route may be a naming mistake, said only when it is one.

/**
 * A native route (/openai/…) takes the provider's own model name, while allowlists write `provider/model`: sending
 * "openai/gpt-4o-mini" to /openai/ is refused even by a key allowed `openai/gpt-4o*`. When the name's first segment
 * is a configured provider and the key would allow the rest there, say so. Otherwise (an OpenRouter-style
 * `vendor/model`, which is that provider's own name, or a model the key may not use anywhere) there is no hint.
 */
export function modelNameHint(
  model: string,
  routeProvider: string,
  providers: ReadonlyMap<string, { readonly spec: { readonly id: string } }>,
  allows: (provider: string, model: string) => boolean,
): string | undefined {
  const slash = model.indexOf('/')
  if (slash <= 0 || slash === model.length - 1) return undefined
  const prefix = providers.get(model.slice(0, slash))?.spec.id
  const rest = model.slice(slash + 1)
  if (prefix === undefined || !allows(prefix, rest)) return undefined
  if (prefix === routeProvider) {
    return `native routes such as /${routeProvider}/… take the provider's own model name, without the provider prefix: send "${rest}".`
  }
  return `it may use "${rest}" on ${prefix}, through /${prefix}/… (native routes take the provider's own model name).`
}
