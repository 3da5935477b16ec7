// Per-key count of requests in flight, capped at a maximum; each admission hands back a one-shot lease.

/** Proof of one admitted request. Releasing it more than once has no further effect. */
export interface ConcurrencyLease {
  readonly key: string
  readonly released: boolean
  /** Returns true the first time, false afterwards. */
  release(): boolean
}

export class ConcurrencyLimiter {
  private readonly inFlightByKey = new Map<string, number>()

  /**
   * Admits one more request for `key` if fewer than `max` are in flight, returning its lease (truthy),
   * or null (falsy) when the cap is reached. A non-positive `max` admits nothing.
   */
  tryAcquire(key: string, max: number): ConcurrencyLease | null {
    const current = this.inFlightByKey.get(key) ?? 0
    if (!(current < max)) return null
    this.inFlightByKey.set(key, current + 1)
    let released = false
    const decrement = (): void => this.decrement(key)
    return {
      key,
      get released() {
        return released
      },
      release(): boolean {
        // The handle, not the key, carries idempotency: a retried cleanup path cannot free someone else's slot.
        if (released) return false
        released = true
        decrement()
        return true
      },
    }
  }

  /** Same as `lease.release()`. */
  release(lease: ConcurrencyLease): boolean {
    return lease.release()
  }

  inFlight(key: string): number {
    return this.inFlightByKey.get(key) ?? 0
  }

  /** Keys with at least one request in flight; idle keys are not kept. */
  get size(): number {
    return this.inFlightByKey.size
  }

  private decrement(key: string): void {
    const current = this.inFlightByKey.get(key) ?? 0
    if (current <= 1) this.inFlightByKey.delete(key)
    else this.inFlightByKey.set(key, current - 1)
  }
}
