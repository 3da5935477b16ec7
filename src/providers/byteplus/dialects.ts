// BytePlus's wire formats: OpenAI's for chat, plus Seedream images (per-image, image_generation.completed) and Seedance tasks.
import { objectField, positiveInt } from '../../wire/request-fields.ts'
import type { Dialect } from '../dialect.ts'
import { openaiDialect } from '../dialects/openai/index.ts'
import { seedanceTaskUsage, seedreamUsage } from './usage.ts'

/**
 * How many images a Seedream request may return: sequential generation up to `max_images` (15 when not given, its
 * documented ceiling), else one per answer. Per-image models are billed by this count, not by tokens.
 */
export function seedreamImages(json: Record<string, unknown>): number | undefined {
  if (json.sequential_image_generation === 'auto') return positiveInt(objectField(json.sequential_image_generation_options)?.max_images) ?? 15
  return undefined
}

/** Seedream streams end with image_generation.completed, which OpenAI's stream rule already knows. */
export const seedreamDialect: Dialect = { ...openaiDialect, id: 'byteplus-seedream', usage: seedreamUsage, images: seedreamImages }

export const seedanceDialect: Dialect = { ...openaiDialect, id: 'byteplus-seedance', usage: seedanceTaskUsage }
