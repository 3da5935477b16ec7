// The one refusal for a JSON body that holds more containers, strings or values than the gateway parses (wire/json-budget.ts).
import { GatewayError } from '../errors/gateway-error.ts'
import { REQUEST_BUDGET } from '../wire/json-budget.ts'

export function overBudget(): GatewayError {
  return new GatewayError(
    'body_unreadable',
    `The request body holds more JSON values than the gateway reads (at most ${REQUEST_BUDGET.nodes} arrays, objects and strings, and ${REQUEST_BUDGET.values} values in all).`,
  )
}
