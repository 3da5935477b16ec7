// Per-key per-minute rate limits (requests or tokens) as a continuously refilling bucket (GCRA-equivalent).

const WINDOW_MS = 60_000

export interface RateDecision {
  readonly ok: boolean
  readonly limit: number
  /** Whole units that could still be consumed right now (after this call's consumption when ok). */
  readonly remaining: number
  /** Epoch ms at which the bucket is full again (`remaining === limit`) if nothing more is consumed. */
  readonly resetMs: number
  /**
   * 0 when ok; otherwise ms until `cost` would fit. Infinity when `cost > limit`, which can never fit
   * (e.g. a prompt larger than the tokens-per-minute limit): callers answer without a Retry-After.
   */
  readonly retryAfterMs: number
}

interface Bucket {
  /** Consumed units scaled by WINDOW_MS, so refill (limit units per WINDOW_MS) is `limit` per ms in integers. */
  used: number
  lastMs: number
  /** Rate the bucket drains at; the latest limit seen, also used by refund/adjust which carry none. */
  limit: number
}

/**
 * Semantics of "N per minute": a bucket holding N units that refills continuously at N per 60 s.
 * A burst of N is admitted at once, then one unit every 60 000 / N ms; after a full idle minute the
 * bucket is full again. Every figure is exact integer arithmetic:
 *   remaining  = floor((N * 60000 - used) / 60000)
 *   resetMs    = now + ceil(used / N)
 *   retryAfter = ceil((used + cost * 60000 - N * 60000) / N)
 * Unlike a sliding log this is O(1) memory per key and supports cheap corrections (refund/adjust), at the
 * cost of allowing up to ~2N in a trailing 60 s window that straddles a full burst and the refill after it.
 */
export class RateWindow {
  private readonly buckets = new Map<string, Bucket>()
  private lastSweepMs = Number.NEGATIVE_INFINITY

  /** Consumes `cost` units for `key` if they fit under `limitPerMinute`; on rejection nothing is consumed. */
  tryConsume(key: string, cost: number, nowMs: number, limitPerMinute: number): RateDecision {
    checkAmount('cost', cost)
    if (!Number.isFinite(limitPerMinute) || limitPerMinute < 0) {
      throw new RangeError(`RateWindow: limitPerMinute must be a finite non-negative number, got ${limitPerMinute}`)
    }
    this.maybeSweep(nowMs)
    const limit = Math.floor(limitPerMinute)
    const units = Math.ceil(cost)
    const capacity = limit * WINDOW_MS
    let bucket = this.buckets.get(key)
    if (bucket !== undefined) {
      bucket.limit = limit
      drain(bucket, nowMs)
    }
    const used = bucket?.used ?? 0
    const needed = used + units * WINDOW_MS

    if (needed > capacity) {
      return {
        ok: false,
        limit,
        remaining: remainingUnits(capacity, used),
        resetMs: resetAt(used, limit, nowMs),
        retryAfterMs: units > limit ? Number.POSITIVE_INFINITY : Math.ceil((needed - capacity) / limit),
      }
    }
    if (units > 0) {
      if (bucket === undefined) {
        bucket = { used: 0, lastMs: nowMs, limit }
        this.buckets.set(key, bucket)
      }
      bucket.used = needed
    }
    return { ok: true, limit, remaining: remainingUnits(capacity, needed), resetMs: resetAt(needed, limit, nowMs), retryAfterMs: 0 }
  }

  /** Gives back `amount` units (e.g. the RPM unit of a request rejected by a later check). */
  refund(key: string, amount: number, nowMs: number): void {
    checkAmount('amount', amount)
    this.adjust(key, -amount, nowMs)
  }

  /**
   * Corrects an earlier consumption by `delta` units as of `nowMs` (actual tokens minus estimated).
   * Negative deltas free capacity (never below empty); positive ones may push the bucket past full, so
   * the next requests wait. A bucket that already drained away has nothing left to refund; a positive
   * delta for it needs `limitPerMinute` to know its drain rate and is dropped without one.
   */
  adjust(key: string, delta: number, nowMs: number, limitPerMinute?: number): void {
    if (!Number.isFinite(delta)) throw new RangeError(`RateWindow: delta must be finite, got ${delta}`)
    const units = delta < 0 ? -Math.floor(-delta) : Math.ceil(delta)
    if (units === 0) return
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      if (units < 0 || limitPerMinute === undefined || !(limitPerMinute > 0)) return
      bucket = { used: 0, lastMs: nowMs, limit: Math.floor(limitPerMinute) }
      this.buckets.set(key, bucket)
    } else if (limitPerMinute !== undefined && limitPerMinute >= 0) {
      bucket.limit = Math.floor(limitPerMinute)
    }
    drain(bucket, nowMs)
    bucket.used = Math.max(0, bucket.used + units * WINDOW_MS)
    if (bucket.used === 0) this.buckets.delete(key)
  }

  /** Current figures without consuming anything. */
  peek(key: string, nowMs: number, limitPerMinute: number): RateDecision {
    const bucket = this.buckets.get(key)
    const limit = Math.floor(limitPerMinute)
    let used = 0
    if (bucket !== undefined) {
      const elapsed = Math.max(0, nowMs - bucket.lastMs)
      used = Math.max(0, bucket.used - elapsed * limit)
    }
    return { ok: used <= limit * WINDOW_MS, limit, remaining: remainingUnits(limit * WINDOW_MS, used), resetMs: resetAt(used, limit, nowMs), retryAfterMs: 0 }
  }

  /** Drops buckets that have fully refilled: an idle key then costs no memory. */
  sweep(nowMs: number): void {
    this.lastSweepMs = nowMs
    for (const [key, bucket] of this.buckets) {
      drain(bucket, nowMs)
      if (bucket.used === 0) this.buckets.delete(key)
    }
  }

  /** Keys currently tracked (for memory checks). */
  get size(): number {
    return this.buckets.size
  }

  // A bucket under its limit drains within one window, so sweeping once per window bounds the map to
  // keys active in roughly the last two minutes (plus any still in debt from positive adjustments).
  private maybeSweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs >= WINDOW_MS) this.sweep(nowMs)
  }
}

function drain(bucket: Bucket, nowMs: number): void {
  if (nowMs <= bucket.lastMs) return
  bucket.used = Math.max(0, bucket.used - (nowMs - bucket.lastMs) * bucket.limit)
  bucket.lastMs = nowMs
}

function remainingUnits(capacity: number, used: number): number {
  return Math.max(0, Math.floor((capacity - used) / WINDOW_MS))
}

function resetAt(used: number, limit: number, nowMs: number): number {
  if (used <= 0) return nowMs
  return limit > 0 ? nowMs + Math.ceil(used / limit) : Number.POSITIVE_INFINITY
}

function checkAmount(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`RateWindow: ${name} must be a finite non-negative number, got ${value}`)
}
