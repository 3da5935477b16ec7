// The usage_rollups table's time buckets (UTC hours and days): one definition for the writer and for every reader.
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

export function bucketStart(grain: 'hour' | 'day', at: number): number {
  const size = grain === 'hour' ? HOUR_MS : DAY_MS
  return Math.floor(at / size) * size
}
