// Pure: reads the object a provider answered with (its id, status and a bounded JSON snapshot) from a response body.
import { withinJsonBudget } from '../wire/json-budget.ts'
import type { CreatedIn, ObjectKind } from './object-routes.ts'

/** Snapshots larger than this are not kept (list entries then carry the id alone). */
export const MAX_SNAPSHOT_BYTES = 32 * 1024
const MAX_ID_LENGTH = 512
/** Events read from the start of a stream looking for the id (`response.created` comes first). */
const MAX_STREAM_EVENTS = 8

export interface AnsweredObject {
  readonly id: string
  readonly status: string | null
  /** JSON text of the object, or null when too large or not an object. */
  readonly snapshot: string | null
  /** Objects the provider made for this one (CreatedIn.children) that the answer names. */
  readonly children: readonly { readonly id: string; readonly kind: ObjectKind }[]
}

function childrenOf(object: unknown, where: CreatedIn): AnsweredObject['children'] {
  const out: { id: string; kind: ObjectKind }[] = []
  for (const child of where.children ?? []) {
    const value = at(object, child.path)
    for (const id of Array.isArray(value) ? value : [value]) {
      if (typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH) out.push({ id, kind: child.kind })
    }
  }
  return out
}

function at(value: unknown, path: readonly string[]): unknown {
  let node = value
  for (const step of path) {
    if (!node || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[step]
  }
  return node
}

function statusOf(object: unknown): string | null {
  if (!object || typeof object !== 'object') return null
  const record = object as Record<string, unknown>
  for (const field of ['status', 'task_status', 'processing_status', 'state']) if (typeof record[field] === 'string') return (record[field] as string).slice(0, 64)
  return null
}

function snapshotOf(object: unknown): string | null {
  if (!object || typeof object !== 'object' || Array.isArray(object)) return null
  const text = JSON.stringify(object)
  return text.length <= MAX_SNAPSHOT_BYTES ? text : null
}

function fromValue(value: unknown, where: CreatedIn): AnsweredObject | undefined {
  const id = at(value, where.id)
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) return undefined
  const object = where.object ? at(value, where.object) : value
  return { id, status: statusOf(object), snapshot: snapshotOf(object), children: childrenOf(object, where) }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The first stream events: a created response is `{"type":"response.created","response":{…}}`, a chat chunk names its id. */
function fromEventStream(text: string, where: CreatedIn): AnsweredObject | undefined {
  let events = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue
    if (++events > MAX_STREAM_EVENTS) return undefined
    const value = parse(line.slice(5).trim())
    const found = fromValue(value, where) ?? fromValue(at(value, ['response']), where)
    if (found) return { ...found, snapshot: null, status: null, children: [] }
  }
  return undefined
}

/** A body cut at the recorder's bound: OpenAI-shaped objects open with their id, which is all that is needed. */
const LEADING_ID = /^\s*\{\s*"id"\s*:\s*"([^"\\]{1,512})"/

/** The answered object, when the (decompressed) body holds one where `where` says; `cut`: only its head was kept. */
export function answeredObject(body: Uint8Array, eventStream: boolean, where: CreatedIn, cut = false): AnsweredObject | undefined {
  const text = new TextDecoder().decode(body)
  if (eventStream) return fromEventStream(text, where)
  // An answer holding more values than any real one is not parsed (its parse time is the proxy thread's): not recorded, so not reachable.
  if (!cut) return withinJsonBudget(body) ? fromValue(parse(text), where) : undefined
  const id = where.id.length === 1 && where.id[0] === 'id' ? LEADING_ID.exec(text)?.[1] : undefined
  return id ? { id, status: null, snapshot: null, children: [] } : undefined
}
