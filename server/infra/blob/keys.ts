/**
 * Storage keys are `/`-separated relative names (`<user id>/<name>`). Every driver refuses anything
 * else before touching storage: no empty, `.` or `..` segment, no absolute path, no backslash, no
 * control character — and no segment that starts with a dot, so a key can never reach a driver's own
 * bookkeeping (the fs driver's `.tmp/`).
 */
const SEGMENT = /^[\w-][\w.-]*$/

export class InvalidBlobKeyError extends Error {
  readonly code = 'INVALID_BLOB_KEY'
  constructor(key: unknown) {
    super(`invalid storage key ${JSON.stringify(String(key)).slice(0, 80)}`)
  }
}

/** Whether a name can be one `/`-separated part of a key. */
export const isKeySegment = (name: string) => SEGMENT.test(name)

/** Throws InvalidBlobKeyError unless `key` is a well-formed relative storage key. */
export function assertBlobKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512 || !key.split('/').every(isKeySegment)) {
    throw new InvalidBlobKeyError(key)
  }
}
