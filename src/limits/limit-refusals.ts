// The gateway's own answers when a limit refuses a request: rate-limit headers, 429s and budget refusals, worded for the caller.
import { GatewayError } from '../errors/gateway-error.ts'
import type { RefusalReason, Scope } from './budget-ledger.ts'
import type { BudgetPeriod } from './period.ts'
import type { RateDecision } from './rate-window.ts'

const RESPONSE_HEADER = 'x-sociaro-ratelimit'

function seconds(ms: number): string {
  return `${Math.max(0, Math.ceil(ms) / 1000)}s`
}

export function concurrencyLimited(maxConcurrency: number): GatewayError {
  return new GatewayError('concurrency_limited', `This gateway key already has ${maxConcurrency} requests in flight; retry when one finishes.`, {
    'retry-after': '1',
  })
}

export function budgetRefusal(scope: Scope, period: BudgetPeriod | undefined, reason: RefusalReason): GatewayError {
  const who = scope.kind === 'key' ? 'this gateway key' : 'your organization'
  const span = period === 'total' ? 'total budget' : `budget for this ${period}`
  // Names the scope, never the figures: the caller may not be the one who sets budgets.
  if (reason === 'in_flight') {
    // Not exhausted: requests still running hold the rest, and settle to what they actually cost.
    return new GatewayError('rate_limited', `The ${span} of ${who} is held by requests in flight; retry when they finish.`, { 'retry-after': '1', 'retry-after-ms': '1000' })
  }
  return new GatewayError('budget_exceeded', `The ${span} of ${who} is exhausted.`)
}

/** A batch longer than the gateway reads for a reservation: its cost cannot be bounded, so a budgeted key may not submit it. */
export function batchTooLongToReserve(count: number, max: number): GatewayError {
  return new GatewayError('invalid_parameter', `This batch has ${count} requests; a gateway key with a budget may submit at most ${max} per batch.`)
}

/**
 * Our own prefix: the provider's x-ratelimit-* headers pass through untouched. Reset = time until the window is full
 * again. Tokens are reserved from an estimate and corrected to the provider's count at settlement, so requests can
 * use more than was left: the key is then in debt and reset exceeds 60 s (e.g. 90 s after 1.5× the limit). Not capped:
 * at 60 s the window would still not be full. The 429's message says so; Retry-After is when the next request fits.
 */
export function rateHeaders(kind: 'requests' | 'tokens', decision: RateDecision, now: number): Record<string, string> {
  return {
    [`${RESPONSE_HEADER}-limit-${kind}`]: String(decision.limit),
    [`${RESPONSE_HEADER}-remaining-${kind}`]: String(Math.max(0, decision.remaining)),
    [`${RESPONSE_HEADER}-reset-${kind}`]: seconds(decision.resetMs - now),
  }
}

export function rateLimited(kind: 'requests' | 'tokens', decision: RateDecision, headers: Record<string, string>, now: number): GatewayError {
  const retryMs = Number.isFinite(decision.retryAfterMs) ? decision.retryAfterMs : 60_000
  const fullInMs = decision.resetMs - now
  // Past a minute only in debt: say why the reset header reads more than the window's length.
  const debt =
    fullInMs > 60_000 && Number.isFinite(fullInMs)
      ? ` Requests already used more than that (the provider's count exceeded what was reserved), so the window is full again only in ${seconds(fullInMs)}, as the reset header says${Number.isFinite(decision.retryAfterMs) ? `; this request fits in ${seconds(retryMs)}` : ''}.`
      : ''
  return new GatewayError('rate_limited', `Rate limit reached for this gateway key: ${decision.limit} ${kind} per minute.${debt}`, {
    ...headers,
    'retry-after': String(Math.max(1, Math.ceil(retryMs / 1000))),
    'retry-after-ms': String(Math.ceil(retryMs)),
  })
}
