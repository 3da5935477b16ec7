// Rollups summed in SQL from seeded usage rows, for every grain and dimension exactly as the metering worker sums them (src/metering/worker/rollups.ts): tests and benchmarks seed rows in bulk.
import { DAY_MS, HOUR_MS, QUARTER_MS } from '../../src/db/rollup-buckets.ts'

const GRAINS = [['quarter', QUARTER_MS, false], ['hour', HOUR_MS, false], ['day', DAY_MS, false], ['quarter_dims', QUARTER_MS, true], ['hour_dims', HOUR_MS, true]] as const

/** One INSERT per grain, summing the usage_events rows `where` selects (an SQL condition, e.g. "request_id LIKE 'x%'"). */
export function rollupSeedSql(where = '1'): string[] {
  return GRAINS.map(
    ([grain, size, split]) => `INSERT INTO usage_rollups (grain, bucket_start, org_id, key_id, provider, model, "user", tags, outcome, requests, errors, input_tokens, output_tokens,
      cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_micros, unpriced_requests, estimated_requests)
      SELECT '${grain}', (started_at / ${size}) * ${size}, org_id, key_id, provider, COALESCE(model, ''), ${split ? `COALESCE("user", ''), COALESCE(tags, ''), CASE WHEN status >= 400 THEN 'error' ELSE 'ok' END` : "'', '', ''"},
      COUNT(*), SUM(status >= 400 OR ended_by IN ('upstream_error', 'timeout')), SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(reasoning_tokens),
      SUM(COALESCE(cost_micros, 0)), SUM(cost_status = 'unpriced'), SUM(cost_status = 'estimated')
      FROM usage_events WHERE ${where} GROUP BY 2, 3, 4, 5, 6, 7, 8, 9`,
  )
}
