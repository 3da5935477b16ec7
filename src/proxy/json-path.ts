// Reads the strings a dotted JSON path reaches (`requests[].params.model`), failing on a shape that is not the expected one.

/** The value at `path` has the wrong type (an object where an array belongs, a number where a string does). */
export class JsonShapeError extends Error {
  override name = 'JsonShapeError'
}

interface Segment {
  readonly key: string
  readonly each: boolean
}

const compiled = new Map<string, Segment[]>()

function segments(path: string): Segment[] {
  let parsed = compiled.get(path)
  if (!parsed) {
    parsed = path.split('.').map((part) => (part.endsWith('[]') ? { key: part.slice(0, -2), each: true } : { key: part, each: false }))
    compiled.set(path, parsed)
  }
  return parsed
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A member that is missing or JSON null counts as absent (providers read null as "not given"). */
const memberOf = (object: Record<string, unknown>, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined)

/**
 * Every string `path` reaches in `root`. A missing or null member ends that branch silently, unless `required`
 * (then it throws); any other type mismatch throws. `onString` sees each string with a label for messages.
 */
export function stringsAt(root: Record<string, unknown>, path: string, required: boolean, onString: (value: string, label: string) => void): void {
  const segs = segments(path)
  const walk = (value: unknown, index: number, label: string): void => {
    if (index === segs.length) {
      if (typeof value !== 'string') throw new JsonShapeError(`${label} must be a string`)
      onString(value, label)
      return
    }
    const seg = segs[index]!
    if (!isObject(value)) throw new JsonShapeError(`${label || 'the body'} must be an object`)
    const member = memberOf(value, seg.key)
    const here = label ? `${label}.${seg.key}` : seg.key
    if (member === undefined || member === null) {
      if (required) throw new JsonShapeError(`${here} is missing`)
      return
    }
    if (!seg.each) return walk(member, index + 1, here)
    if (!Array.isArray(member)) throw new JsonShapeError(`${here} must be an array`)
    member.forEach((element, i) => walk(element, index + 1, `${here}[${i}]`))
  }
  walk(root, 0, '')
}

/** True when `path` (no `[]` segments) reaches a value other than null. */
export function hasValueAt(root: Record<string, unknown>, path: string): boolean {
  let value: unknown = root
  for (const seg of segments(path)) {
    if (!isObject(value)) return false
    value = memberOf(value, seg.key)
  }
  return value !== undefined && value !== null
}
