// Bounds dashboard sign-in attempts per account and per address: a fixed window of failures each, in memory, with a bounded table.

export interface SignInLimits {
  /** Failures allowed per account within the window (default 5). */
  readonly perAccount?: number
  /** Failures allowed per client address within the window (default 20). */
  readonly perAddress?: number
  /** Default 15 minutes. */
  readonly windowMs?: number
  /** Entries kept per table; the oldest window is dropped beyond it (default 10 000). */
  readonly maxEntries?: number
}

interface Window {
  start: number
  failures: number
}

/** One table of fixed windows; a Map keeps insertion order, so the first entry is the one to drop when full. */
class FailureWindows {
  private readonly windows = new Map<string, Window>()
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Milliseconds until `id` may try again (0: now). */
  wait(id: string, now: number): number {
    const window = this.windows.get(id)
    if (!window) return 0
    if (now - window.start >= this.windowMs) {
      this.windows.delete(id)
      return 0
    }
    return window.failures >= this.limit ? window.start + this.windowMs - now : 0
  }

  fail(id: string, now: number): void {
    const window = this.windows.get(id)
    if (window && now - window.start < this.windowMs) {
      window.failures++
      return
    }
    this.windows.delete(id)
    if (this.windows.size >= this.maxEntries) this.windows.delete(this.windows.keys().next().value!)
    this.windows.set(id, { start: now, failures: 1 })
  }

  clear(id: string): void {
    this.windows.delete(id)
  }

  get size(): number {
    return this.windows.size
  }
}

/**
 * Failures count against both the account tried and the address it came from; a success clears the account's count
 * (not the address's, so one known password cannot reset a spray from the same address).
 */
export class SignInLimiter {
  private readonly accounts: FailureWindows
  private readonly addresses: FailureWindows

  constructor(
    private readonly now: () => number,
    limits: SignInLimits = {},
  ) {
    const windowMs = limits.windowMs ?? 15 * 60_000
    const max = limits.maxEntries ?? 10_000
    this.accounts = new FailureWindows(limits.perAccount ?? 5, windowMs, max)
    this.addresses = new FailureWindows(limits.perAddress ?? 20, windowMs, max)
  }

  /** Milliseconds to wait before this attempt is allowed (0: allowed). */
  wait(account: string, address: string | undefined): number {
    const now = this.now()
    return Math.max(this.accounts.wait(account, now), address ? this.addresses.wait(address, now) : 0)
  }

  failed(account: string, address: string | undefined): void {
    const now = this.now()
    this.accounts.fail(account, now)
    if (address) this.addresses.fail(address, now)
  }

  succeeded(account: string): void {
    this.accounts.clear(account)
  }

  /** Entries held (accounts, addresses): bounded by maxEntries each. */
  get sizes(): { accounts: number; addresses: number } {
    return { accounts: this.accounts.size, addresses: this.addresses.size }
  }
}
