// CIDR ranges as written in configuration (`10.0.0.0/8`, `fd00::/8`, a bare address): parsed and checked once.
import { isIP } from 'node:net'

export type CidrRange = readonly [address: string, prefix: number, family: 'ipv4' | 'ipv6']

/** One range; throws a RangeError naming an entry that is not one. */
export function cidrRange(entry: string): CidrRange {
  const slash = entry.lastIndexOf('/')
  const address = slash < 0 ? entry : entry.slice(0, slash)
  const family = isIP(address)
  const max = family === 4 ? 32 : 128
  const prefix = slash < 0 ? max : Number(entry.slice(slash + 1))
  if (family === 0 || !/^\d{1,3}$/.test(slash < 0 ? String(max) : entry.slice(slash + 1)) || prefix > max) throw new RangeError(`"${entry}" is not a CIDR such as 10.0.0.0/8 or fd00::/8`)
  return [address, prefix, family === 4 ? 'ipv4' : 'ipv6']
}

/** A comma-separated list of ranges (empty or unset: none). */
export function cidrList(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return []
  return raw.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    cidrRange(entry)
    return entry
  })
}
