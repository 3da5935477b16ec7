// The set of providers a gateway serves: the built-in modules plus custom OpenAI-compatible ones, by id and alias.
import anthropic from './anthropic.ts'
import byteplus from './byteplus/index.ts'
import dashscope from './dashscope.ts'
import deepseek from './deepseek.ts'
import fireworks from './fireworks.ts'
import gemini from './gemini.ts'
import groq from './groq.ts'
import mistral from './mistral.ts'
import mock from './mock.ts'
import mulerouter from './mulerouter/index.ts'
import openai from './openai.ts'
import openrouter from './openrouter.ts'
import type { ProviderSpec } from './spec.ts'
import { ServiceError } from '../errors/service-error.ts'
import together from './together.ts'
import xai from './xai.ts'

export const BUILT_IN_PROVIDERS: readonly ProviderSpec[] = [
  openai, anthropic, dashscope, byteplus, mulerouter, gemini,
  mistral, groq, deepseek, xai, together, fireworks, openrouter,
]

/** Not an upstream on the internet: served in-process on loopback (src/mock/), on unless SOCIARO_MOCK_PROVIDER=false. */
export const MOCK_PROVIDER: ProviderSpec = mock

/** Finds a provider's spec by its id (not an alias): what the metering worker and pricing look rows up by. */
export type ProviderDirectory = (id: string) => ProviderSpec | undefined

const BUILT_IN_BY_ID: ReadonlyMap<string, ProviderSpec> = new Map([...BUILT_IN_PROVIDERS, MOCK_PROVIDER].map((spec) => [spec.id, spec]))

/** The built-in providers (the mock included), by id. */
export const builtInProvider: ProviderDirectory = (id) => BUILT_IN_BY_ID.get(id)

/** A directory of `specs` by id, falling back to the built-in ones. */
export function providerDirectory(specs: readonly ProviderSpec[]): ProviderDirectory {
  const byId = new Map(specs.map((spec) => [spec.id, spec]))
  return (id) => byId.get(id) ?? BUILT_IN_BY_ID.get(id)
}

const ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/

/** Index specs by id and alias; a duplicate or malformed id is a start-up error, never a silent override. */
export function indexProviders<P extends { spec: ProviderSpec }>(providers: readonly P[]): ReadonlyMap<string, P> {
  const byName = new Map<string, P>()
  for (const provider of providers) {
    for (const name of [provider.spec.id, ...(provider.spec.aliases ?? [])]) {
      if (!ID_PATTERN.test(name)) throw new ServiceError('invalid_config', `provider name "${name}" must match ${ID_PATTERN}`)
      if (name === 'admin') throw new ServiceError('invalid_config', 'provider name "admin" is reserved')
      // /v1/… is the unified endpoint (src/proxy/routes/unified-route.ts): a provider of that name could not be reached.
      if (name === 'v1') throw new ServiceError('invalid_config', 'provider name "v1" is reserved for the unified endpoint')
      if (byName.has(name)) throw new ServiceError('invalid_config', `provider name "${name}" is defined twice`)
      byName.set(name, provider)
    }
  }
  return byName
}
