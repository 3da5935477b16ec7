// A provider's per-path answers: which dialect and error format apply, its usage reader (guarded), its stream-end check.
import type { ExtractInput, Extraction } from '../types/usage.ts'
import type { Dialect, ErrorFormat, ReachedEnd } from './dialect.ts'
import type { ProviderSpec } from './spec.ts'

/** The wire format of `path` (canonical, no query): the first matching rule's, else the provider's own. Resolve once per request. */
export function dialectFor(spec: ProviderSpec, path: string): Dialect {
  for (const rule of spec.dialectRules ?? []) if (rule.match.test(path)) return rule.dialect
  return spec.dialect
}

/** The format of errors the gateway answers with on `path`: the first matching rule's, else the provider's own. */
export function errorFormatFor(spec: ProviderSpec, path: string): ErrorFormat {
  for (const rule of spec.errorShapeRules ?? []) if (rule.match.test(path)) return rule.shape
  return spec.errorShape
}

/** The check for one route's streams; a dialect with no terminal event the gateway knows gets none. */
export function streamEndCheck(spec: ProviderSpec, path: string): ReachedEnd | undefined {
  return dialectFor(spec, path).streamEnd
}

/** Usage in one recorded response, by the dialect of its path; never throws. */
export function extractUsage(spec: ProviderSpec, input: ExtractInput): Extraction {
  return readUsage(dialectFor(spec, input.path), input)
}

/** A dialect's usage reader, guarded: metering must never break a response that already reached the client. */
export function readUsage(dialect: Dialect, input: ExtractInput): Extraction {
  try {
    return dialect.usage(input)
  } catch {
    return { usage: null }
  }
}
