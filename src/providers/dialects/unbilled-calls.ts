// Calls no upstream bills, whatever the wire format: token counting in each spelling, listings, files, batch management.

/** True for token counting (`/count_tokens`, `:countTokens`, `/input_tokens`), listings, files, uploads, batches, vector stores and DELETEs. */
export function isUnbilledCall(method: string, path: string): boolean {
  if (/\/count_tokens$|:countTokens$|\/input_tokens$/.test(path)) return true
  if (/\/(models|files|uploads|batches|vector_stores)(\/|$)/.test(path) && !/:\w+$/.test(path)) return true
  return method === 'DELETE'
}
