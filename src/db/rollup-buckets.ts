// The usage_rollups table's time buckets (UTC quarter hours, hours and days): one definition for the writer and for every reader.
export const QUARTER_MS = 900_000
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

export type Grain = 'quarter' | 'hour' | 'day'

export const grainSize = (grain: Grain): number => (grain === 'quarter' ? QUARTER_MS : grain === 'hour' ? HOUR_MS : DAY_MS)

export function bucketStart(grain: Grain, at: number): number {
  const size = grainSize(grain)
  return Math.floor(at / size) * size
}
