import { describe, expect, it } from 'vitest'
import { addressBucket, pickClientAddress } from '../../server/infra/http/clientAddress'

const SOCKET = '192.0.2.10'

describe('client address', () => {
  it.each([
    // [X-Forwarded-For, trusted hops, expected]
    [undefined, 0, SOCKET],
    ['203.0.113.5', 0, SOCKET], // no proxy trusted: the header is the client's own say
    [undefined, 1, SOCKET],
    ['203.0.113.5', 1, '203.0.113.5'],
    ['6.6.6.6, 203.0.113.5', 1, '203.0.113.5'], // the left-most entry is whatever the client sent
    ['6.6.6.6,203.0.113.5', 1, '203.0.113.5'],
    ['1.1.1.1, 6.6.6.6, 203.0.113.5, 198.51.100.7', 2, '203.0.113.5'], // two proxies: the outer one wrote the second from the right
    ['203.0.113.5', 2, SOCKET], // fewer entries than proxies: the chain is not ours
    ['6.6.6.6, not-an-address', 1, SOCKET],
    ['6.6.6.6, 203.0.113.5:4711', 1, SOCKET], // with a port it is not an address
    ['6.6.6.6, ', 1, SOCKET],
    ['6.6.6.6, unknown', 1, SOCKET],
    ['2001:db8::1', 1, '2001:db8::1'],
    ['::ffff:203.0.113.5', 1, '203.0.113.5'],
    [['6.6.6.6', '203.0.113.5'], 1, '203.0.113.5'], // the header sent twice
  ] as Array<[string | string[] | undefined, number, string]>)('X-Forwarded-For %j with %i trusted hop(s) gives %s', (forwardedFor, hops, expected) => {
    expect(pickClientAddress(forwardedFor, SOCKET, hops)).toBe(expected)
  })

  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['garbage', 'unknown'],
    [undefined, 'unknown'],
  ])('writes the socket address %s as %s', (socket, expected) => {
    expect(pickClientAddress(undefined, socket, 0)).toBe(expected)
  })

  it.each([
    ['203.0.113.5', '203.0.113.5'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::ffff', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:aaaa::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
    ['unknown', 'unknown'],
  ])('counts %s against %s', (address, bucket) => {
    expect(addressBucket(address)).toBe(bucket)
  })
})
