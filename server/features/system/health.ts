import { rm, writeFile } from 'node:fs/promises'
import { useBlobStore } from '../../infra/blob'
import { useConfig } from '../../infra/config'
import { tempFileName, uploadTempDir } from '../../infra/tempFiles'
import { databaseAnswers, whenReady } from './startup'

export type CheckResult = 'ok' | 'fail'
export interface HealthReport { status: CheckResult, checks: Record<string, CheckResult> }

const within = <T>(work: Promise<T>, ms: number): Promise<T> => Promise.race([
  work,
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
])

/** Start-up done (migrations applied) and the database answering a trivial query. */
async function databaseReady(): Promise<boolean> {
  try {
    await within(whenReady(), 2500)
  }
  catch {
    return false
  }
  return databaseAnswers()
}

/** A key no upload ever makes (user 0): looking it up tells a storage that answers from one that does not. */
const PROBE_KEY = '0/readyz-probe'

/**
 * The upload folder takes a file: every upload is received into `<UPLOAD_FOLDER>/.tmp/` first,
 * whatever the storage driver, so a read-only or full disk there refuses every upload. With S3 the
 * bucket must answer too (a lookup of a key that never exists).
 */
async function storageWritable(): Promise<boolean> {
  try {
    if (useConfig().storage.driver !== 'fs') await within(useBlobStore().stat(PROBE_KEY), 2500)
    const file = tempFileName(await uploadTempDir(), '.ready')
    try {
      await within(writeFile(file, 'ok', { flag: 'wx' }), 2500)
    }
    finally {
      await rm(file, { force: true })
    }
    return true
  }
  catch {
    return false
  }
}

/** GET /readyz (SPEC §11): `{status, checks: {database, storage}}`, each `ok` or `fail`. */
export async function readiness(): Promise<HealthReport> {
  const [database, storage] = await Promise.all([databaseReady(), storageWritable()])
  const checks = { database: database ? 'ok' : 'fail', storage: storage ? 'ok' : 'fail' } as const
  return { status: database && storage ? 'ok' : 'fail', checks }
}
