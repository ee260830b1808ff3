import { isIP } from 'node:net'
import type { H3Event } from 'h3'
import { useConfig } from '../config'

/**
 * The client's address as seen through `hops` trusted proxies. Each proxy appends the address it
 * received the request from to X-Forwarded-For, so the entry `hops` places from the right is the one
 * our outermost trusted proxy wrote; everything left of it was sent by the client and proves nothing
 * (taking the left-most lets any client pick its own address). A missing or non-IP entry falls back
 * to the socket address. IPv4-mapped IPv6 addresses are written as IPv4, so one client has one name.
 */
export function pickClientAddress(forwardedFor: string | string[] | undefined, socketAddress: string | undefined, hops: number): string {
  if (hops > 0 && forwardedFor !== undefined) {
    const entries = [forwardedFor].flat().join(',').split(',').map(entry => entry.trim())
    const candidate = entries.length >= hops ? entries[entries.length - hops] : undefined
    if (candidate && isIP(candidate)) return normalizeAddress(candidate)
  }
  return socketAddress && isIP(socketAddress) ? normalizeAddress(socketAddress) : 'unknown'
}

/** The client address of a request (TRUST_PROXY says how many proxies in front of us append to X-Forwarded-For). */
export function clientAddress(event: H3Event): string {
  const { headers, socket } = event.node.req
  return pickClientAddress(headers['x-forwarded-for'], socket?.remoteAddress, useConfig().trustProxyHops)
}

/** The eight 16-bit groups of a valid IPv6 address (zone id dropped, embedded IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0] ?? ''
  const v4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (v4Tail) {
    const [a, b, c, d] = v4Tail.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, v4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const headGroups = head ? head.split(':') : []
  const tailGroups = tail ? tail.split(':') : []
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0')
  return [...headGroups, ...zeros, ...tailGroups].map(group => Number.parseInt(group, 16))
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`, how a dual-stack socket reports IPv4 clients) as plain IPv4. */
function normalizeAddress(address: string): string {
  if (isIP(address) !== 6) return address
  const groups = ipv6Groups(address)
  const [marker, high = 0, low = 0] = groups.slice(5)
  const mapped = groups.slice(0, 5).every(group => group === 0) && marker === 0xFFFF
  return mapped ? [high >> 8, high & 0xFF, low >> 8, low & 0xFF].join('.') : address
}

/**
 * What a per-address limit counts against: an IPv4 address itself, but an IPv6 client's whole /64 —
 * one subscriber usually gets a /64 and can use any of its 2^64 addresses, so counting single
 * IPv6 addresses would let one client walk around every per-address limit.
 */
export function addressBucket(address: string): string {
  if (isIP(address) !== 6) return address
  const prefix = ipv6Groups(address).slice(0, 4).map(group => group.toString(16)).join(':')
  return `${prefix}::/64`
}
