// What an admin change tells the rest of the process: services emit, caches, limits and the worker's prices subscribe.
import type { ApiKeyRow, OrgRow } from '../db/schema.ts'

/** Every change a service makes that something in memory must follow. */
export type ChangeEvent =
  | { readonly type: 'org.changed'; readonly org: OrgRow }
  | { readonly type: 'key.changed'; readonly key: ApiKeyRow }
  /** The secret in the clear: the event stays in this process (the credential cache holds it the same way). */
  | { readonly type: 'credential.changed'; readonly provider: string; readonly secret: string; readonly updatedAt: number }
  /** Price overrides were added or removed: whoever prices reloads them. */
  | { readonly type: 'prices.changed' }
  /** A dashboard user was disabled (its sessions revoked): the session cache drops them. */
  | { readonly type: 'dashboard-user.changed'; readonly userId: string }

export type ChangeType = ChangeEvent['type']
export type ChangeOf<T extends ChangeType> = Extract<ChangeEvent, { type: T }>
/** A subscriber; a promise it returns is awaited, so a change is in force once `emit` resolves. */
export type ChangeListener<T extends ChangeType> = (event: ChangeOf<T>) => void | Promise<void>

/**
 * The one mechanism by which an admin change reaches the caches: a service's answer waits for `emit`, so a request
 * sent after the answer sees the change (the key cache, the credential cache, the worker's price overrides).
 */
export class ChangeEvents {
  private readonly listeners = new Map<ChangeType, ChangeListener<any>[]>()

  on<T extends ChangeType>(type: T, listener: ChangeListener<T>): () => void {
    const list = this.listeners.get(type) ?? []
    list.push(listener)
    this.listeners.set(type, list)
    return () => {
      const at = list.indexOf(listener)
      if (at >= 0) list.splice(at, 1)
    }
  }

  /** Runs every subscriber of the event's type; rejects with the first failure once all have finished. */
  async emit(event: ChangeEvent): Promise<void> {
    const list = this.listeners.get(event.type) ?? []
    const results = await Promise.allSettled(list.map(async (listener) => listener(event)))
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
    if (failed) throw failed.reason
  }
}
