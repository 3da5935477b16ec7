// The usage_rollups table's time buckets (UTC quarter hours, hours and days): one definition for the writer and for every reader.
export const QUARTER_MS = 900_000
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

/**
 * `quarter`, `hour`, `day`: sums per org × key × provider × model (user, tags and outcome left ''), what unfiltered
 * reports and budgets read. `quarter_dims`, `hour_dims`: the same sums split by user, tag set and outcome too, read
 * only when a report filters or groups by those (they hold many more rows).
 */
export type Grain = 'quarter' | 'hour' | 'day' | 'quarter_dims' | 'hour_dims'

export const grainSize = (grain: Grain): number => (grain.startsWith('quarter') ? QUARTER_MS : grain.startsWith('hour') ? HOUR_MS : DAY_MS)

export function bucketStart(grain: Grain, at: number): number {
  const size = grainSize(grain)
  return Math.floor(at / size) * size
}
