// The usage answers' schema checks, compiled once: the query worker runs them, so a big answer is never walked on the proxy thread.
import { getSchemaValidator } from 'elysia'
import { DashboardJobsSchema, RepriceSchema, RequestDetailSchema, RequestsSchema, UsageSchema } from './admin-schemas.ts'

const validators = {
  usage: getSchemaValidator(UsageSchema),
  requests: getSchemaValidator(RequestsSchema),
  reprice: getSchemaValidator(RepriceSchema),
  jobs: getSchemaValidator(DashboardJobsSchema),
  request: getSchemaValidator(RequestDetailSchema),
}

/** Undefined when `value` is what the admin API promises for `kind`; else why not (for the log, not the caller). */
export function answerProblem(kind: keyof typeof validators, value: unknown): string | undefined {
  const validator = validators[kind]
  if (validator.Check(value)) return undefined
  const first = [...validator.Errors(value)][0]
  return first ? `${first.path}: ${first.message}` : 'does not match its schema'
}
