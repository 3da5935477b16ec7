// Rebuilds, on another thread, the providers that are not built in: from their module URL or their openAICompatible() options.
import { openAICompatible } from './openai-compatible.ts'
import { builtInProvider } from './registry.ts'
import type { ProviderOrigin, ProviderSpec } from './spec.ts'

/** The origins of every provider in `specs` that another thread cannot know by itself (not built in). */
export function originsOf(specs: readonly ProviderSpec[]): ProviderOrigin[] {
  return specs.flatMap((spec) => (builtInProvider(spec.id) === spec || spec.origin === undefined ? [] : [spec.origin]))
}

/** The specs the origins name, in order; a module must default-export a spec (checked: a wrong one fails start-up). */
export async function loadProviders(origins: readonly ProviderOrigin[]): Promise<ProviderSpec[]> {
  const specs: ProviderSpec[] = []
  for (const origin of origins) {
    if ('openAICompatible' in origin) {
      specs.push(openAICompatible(origin.openAICompatible))
      continue
    }
    const loaded = ((await import(origin.module)) as { default?: Partial<ProviderSpec> }).default
    if (!loaded || typeof loaded.id !== 'string' || loaded.dialect === undefined) {
      throw new Error(`provider module ${origin.module} does not default-export a provider spec`)
    }
    specs.push(loaded as ProviderSpec)
  }
  return specs
}
