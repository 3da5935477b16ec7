// The one refusal for a JSON body that holds more containers, strings or values than the gateway parses (wire/json-budget.ts).
import { GatewayError } from '../errors/gateway-error.ts'
import { BATCH_NODES_PER_MIB, BATCH_VALUES_PER_MIB, REQUEST_BUDGET } from '../wire/json-budget.ts'

/** `bulk`: a batch create's body, whose budget is per MiB. */
export function overBudget(bulk = false): GatewayError {
  const bound = bulk
    ? `at most ${BATCH_NODES_PER_MIB} arrays, objects and strings, and ${BATCH_VALUES_PER_MIB} values, per MiB of a batch`
    : `at most ${REQUEST_BUDGET.nodes} arrays, objects and strings, and ${REQUEST_BUDGET.values} values in all`
  return new GatewayError('body_unreadable', `The request body holds more JSON values than the gateway reads (${bound}).`)
}
