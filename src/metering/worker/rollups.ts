// Pure: folds usage records into quarter-hour, hourly and daily (UTC) sums per org × key × provider × model, and quarter-hour and hourly ones also per user × tags × outcome.
import type { UsageRollupRow } from '../../db/usage-columns.ts'
import type { UsageRecord } from './usage-record.ts'
import { bucketStart } from '../../db/rollup-buckets.ts'

/** One bucket's change: the usage_rollups row's key columns and the amounts to add to its sums. */
export type RollupDelta = UsageRollupRow


/** Each grain, and whether it splits by user, tag set and outcome (db/rollup-buckets.ts says who reads which). */
const GRAINS = [['quarter', false], ['hour', false], ['day', false], ['quarter_dims', true], ['hour_dims', true]] as const

/**
 * Summed per bucket over all of `records`, so a batch costs one upsert per bucket it touches, not one per row.
 * `sign` -1 removes records (used when repricing replaces an old cost with a new one).
 */
export function rollupDeltas(records: readonly UsageRecord[], sign: 1 | -1 = 1): RollupDelta[] {
  const byKey = new Map<string, RollupDelta>()
  for (const record of records) {
    const model = record.model ?? ''
    const user = record.user ?? ''
    const tags = record.tags ?? ''
    const outcome = record.status >= 400 ? 'error' : 'ok'
    // The bucket's identity beside its grain and start, built once per record for every grain.
    const scope = `${record.orgId}\u0000${record.keyId}\u0000${record.provider}\u0000${model}`
    const dimsScope = `${scope}\u0000${user}\u0000${tags}\u0000${outcome}`
    const error = record.status >= 400 || record.endedBy === 'upstream_error' || record.endedBy === 'timeout'
    for (const [grain, split] of GRAINS) {
      const start = bucketStart(grain, record.startedAt)
      const id = `${grain}\u0000${start}\u0000${split ? dimsScope : scope}`
      let delta = byKey.get(id)
      if (!delta) {
        delta = {
          grain, bucketStart: start, orgId: record.orgId, keyId: record.keyId, provider: record.provider, model,
          user: split ? user : '', tags: split ? tags : '', outcome: split ? outcome : '',
          requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
          reasoningTokens: 0, costMicros: 0, unpricedRequests: 0, estimatedRequests: 0,
        }
        byKey.set(id, delta)
      }
      delta.requests += sign
      if (error) delta.errors += sign
      delta.inputTokens += sign * record.inputTokens
      delta.outputTokens += sign * record.outputTokens
      delta.cacheReadTokens += sign * record.cacheReadTokens
      delta.cacheWriteTokens += sign * record.cacheWriteTokens
      delta.reasoningTokens += sign * record.reasoningTokens
      delta.costMicros += sign * (record.costMicros ?? 0)
      if (record.costStatus === 'unpriced') delta.unpricedRequests += sign
      if (record.costStatus === 'estimated') delta.estimatedRequests += sign
    }
  }
  return [...byKey.values()]
}
