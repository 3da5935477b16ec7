// Converts operator-facing price inputs (USD per million tokens, per image, per second) into exact micro-USD price fields.
import { usdToMicros } from './usd.ts'
import type { PriceFields } from './types.ts'

export interface PriceInput {
  input_usd_per_mtok?: number | string
  output_usd_per_mtok?: number | string
  cache_read_usd_per_mtok?: number | string
  cache_write_usd_per_mtok?: number | string
  usd_per_image?: number | string
  usd_per_video_second?: number | string
}

/** The same fields as shown back: always numbers (dollars). */
export type PriceOutput = { [K in keyof PriceInput]?: number }

const FIELDS: readonly [keyof PriceInput, keyof PriceFields][] = [
  ['input_usd_per_mtok', 'inputMicrosPerMTok'],
  ['output_usd_per_mtok', 'outputMicrosPerMTok'],
  ['cache_read_usd_per_mtok', 'cacheReadMicrosPerMTok'],
  ['cache_write_usd_per_mtok', 'cacheWriteMicrosPerMTok'],
  ['usd_per_image', 'perImageMicros'],
  ['usd_per_video_second', 'perVideoSecondMicros'],
]

export function priceFieldsFromInput(input: PriceInput): PriceFields {
  const fields: Record<string, number> = {}
  for (const [from, to] of FIELDS) {
    const value = input[from]
    if (value !== undefined && value !== null) fields[to] = usdToMicros(value, from)
  }
  if (Object.keys(fields).length === 0) throw new Error('a price needs at least one of ' + FIELDS.map(([f]) => f).join(', '))
  return fields as PriceFields
}

export function priceInputFromFields(fields: PriceFields): PriceOutput {
  const input: Record<string, number> = {}
  for (const [to, from] of FIELDS) {
    const value = fields[from] as number | undefined
    if (value !== undefined) input[to] = value / 1_000_000
  }
  return input as PriceOutput
}
