import { inflateRawSync } from 'node:zlib'
import { expect } from 'vitest'

export interface ZipEntry { name: string, method: number, utf8: boolean, data: Buffer }

/**
 * The entries of a zip, read from its central directory (APPENDIX of PKWARE's APPNOTE 4.3.16, 4.3.12):
 * stored (0) or deflated (8) entries; sizes from the central directory, since a streamed zip puts
 * them in data descriptors after each entry.
 */
export function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4B, 0x05, 0x06]))
  expect(eocd, 'end of central directory').toBeGreaterThanOrEqual(0)
  const count = zip.readUInt16LE(eocd + 10)
  let at = zip.readUInt32LE(eocd + 16)
  const entries: ZipEntry[] = []
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at), 'central directory header').toBe(0x02014B50)
    const flags = zip.readUInt16LE(at + 8)
    const method = zip.readUInt16LE(at + 10)
    const compressedSize = zip.readUInt32LE(at + 20)
    const nameLength = zip.readUInt16LE(at + 28)
    const extraLength = zip.readUInt16LE(at + 30)
    const commentLength = zip.readUInt16LE(at + 32)
    const localOffset = zip.readUInt32LE(at + 42)
    const utf8 = (flags & 0x800) !== 0
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString(utf8 ? 'utf8' : 'latin1')
    expect(zip.readUInt32LE(localOffset), 'local header').toBe(0x04034B50)
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28)
    const raw = zip.subarray(dataStart, dataStart + compressedSize)
    entries.push({ name, method, utf8, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) })
    at += 46 + nameLength + extraLength + commentLength
  }
  return entries
}
