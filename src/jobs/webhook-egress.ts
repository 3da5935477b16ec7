// Where a job webhook may go: https to public addresses only (private, loopback, link-local, metadata ranges refused unless allowed), checked when set and again at every delivery.
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import type { WebhookEgressConfig } from '../config.ts'
import { cidrRange, type CidrRange } from '../wire/cidr.ts'

export type { WebhookEgressConfig }

export const STRICT_EGRESS: WebhookEgressConfig = { allowLoopback: false, allowCidrs: [] }

/** Resolves a host name to every address it has (default: the system resolver, as a connection would). */
export type Resolver = (host: string) => Promise<readonly { readonly address: string; readonly family: 4 | 6 }[]>

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))

/** Not the public internet: private, shared (CGNAT), loopback, link-local (cloud metadata), documentation, multicast, reserved. */
const NOT_PUBLIC: readonly CidrRange[] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  // IPv4-mapped addresses are judged by the IPv4 address they carry (embeddedIPv4); translated ones are refused.
  ['64:ff9b::', 96, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001::', 23, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]

const LOOPBACK: readonly CidrRange[] = [
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]

function blockList(ranges: readonly CidrRange[]): BlockList {
  const list = new BlockList()
  for (const [address, prefix, family] of ranges) list.addSubnet(address, prefix, family)
  return list
}

const notPublic = blockList(NOT_PUBLIC)
const loopback = blockList(LOOPBACK)

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d, in any spelling): the IPv4 address it reaches. */
function embeddedIPv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined
  // The URL parser writes every IPv6 address one canonical way (::ffff:a00:1 for ::ffff:10.0.0.1).
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical)
  if (!match) return undefined
  const high = parseInt(match[1]!, 16)
  const low = parseInt(match[2]!, 16)
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}

export class WebhookEgress {
  private readonly allowed: BlockList
  private readonly resolve: Resolver
  constructor(readonly config: WebhookEgressConfig = STRICT_EGRESS, resolve?: Resolver) {
    this.resolve = resolve ?? systemResolver
    this.allowed = blockList(config.allowCidrs.map(cidrRange))
  }

  /** Why `address` may not be called, or undefined when it may (over `protocol`). */
  refusal(address: string, protocol: 'http:' | 'https:'): string | undefined {
    const v4 = embeddedIPv4(address)
    const family = v4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : isIP(address) === 4 ? 'ipv4' : undefined
    const ip = v4 ?? address
    if (!family) return `${address} is not an IP address`
    if (loopback.check(ip, family)) return this.config.allowLoopback ? undefined : `${address} is a loopback address (SOCIARO_WEBHOOK_ALLOW_LOOPBACK=true allows it, for tests)`
    if (protocol === 'http:') return `plain http is allowed only to loopback receivers`
    if (!notPublic.check(ip, family)) return undefined
    if (this.allowed.check(ip, family)) return undefined
    return `${address} is not a public address (private, loopback, link-local, metadata, multicast or reserved); SOCIARO_WEBHOOK_ALLOW_CIDRS can allow its range`
  }

  /** The URL's shape: https (http only when loopback is allowed), no credentials or fragment. Throws a RangeError. */
  checkShape(url: URL): void {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RangeError('webhook url must be https')
    if (url.protocol === 'http:' && !this.config.allowLoopback) throw new RangeError('webhook url must be https (plain http only to loopback receivers, with SOCIARO_WEBHOOK_ALLOW_LOOPBACK=true)')
  }

  /**
   * Every address the URL's host resolves to must be allowed (one bad one refuses it: a resolver may answer either);
   * they are the ones to connect to, in the resolver's order. Throws a RangeError saying why not.
   */
  async targets(url: URL): Promise<readonly { readonly address: string; readonly family: 4 | 6 }[]> {
    this.checkShape(url)
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    let addresses: readonly { address: string; family: 4 | 6 }[]
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }]
    else {
      try {
        addresses = await this.resolve(host)
      } catch (error) {
        throw new RangeError(`webhook host ${host} does not resolve (${String((error as Error).message ?? error).slice(0, 100)})`)
      }
    }
    if (addresses.length === 0) throw new RangeError(`webhook host ${host} does not resolve`)
    for (const { address } of addresses) {
      const why = this.refusal(address, url.protocol as 'http:' | 'https:')
      if (why) throw new RangeError(`webhook host ${host} resolves to a refused address: ${why}`)
    }
    return addresses
  }
}
