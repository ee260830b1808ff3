import { inArray, eq, sql } from 'drizzle-orm'
import type { RegistrationMode, SettingsDto } from '../../../shared/contracts/account'
import { retryOnDeadlock, tables, useDb } from '../../infra/db'

type Db = ReturnType<typeof useDb>
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

const DEFAULTS: SettingsDto = { registration: 'open', default_quota_bytes: null }
const KEYS = Object.keys(DEFAULTS) as Array<keyof SettingsDto>
const MODES: RegistrationMode[] = ['open', 'invite', 'closed']

/** One stored value, or the default when missing or not what this version understands. */
function parseValue<K extends keyof SettingsDto>(key: K, text: string | undefined): SettingsDto[K] {
  if (text === undefined) return DEFAULTS[key]
  let value: unknown
  try { value = JSON.parse(text) }
  catch { return DEFAULTS[key] }
  if (key === 'registration') return (MODES.includes(value as RegistrationMode) ? value : DEFAULTS[key]) as SettingsDto[K]
  return (value === null || (Number.isSafeInteger(value) && (value as number) >= 0) ? value : DEFAULTS[key]) as SettingsDto[K]
}

/** The default quota from its stored text (null: no row), or the default when missing or not understood. */
export const storedDefaultQuota = (text: string | null): number | null => parseValue('default_quota_bytes', text ?? undefined)

/** The instance's settings (SPEC §10), defaults filled in. Read from the database every time: every instance agrees. */
export async function readSettings(db: Db | Tx = useDb()): Promise<SettingsDto> {
  const rows = await db.select({ key: tables.settings.key, value: tables.settings.value }).from(tables.settings).where(inArray(tables.settings.key, KEYS))
  const stored = new Map(rows.map(row => [row.key, row.value]))
  return { registration: parseValue('registration', stored.get('registration')), default_quota_bytes: parseValue('default_quota_bytes', stored.get('default_quota_bytes')) }
}

/**
 * Runs `work` in a transaction holding the accounts lock: the `registration` settings row, locked
 * for update. Every change that decides who is an (enabled) admin or who may register takes it —
 * registration (first account = admin, single-use invites), role changes, disabling, deleting a user
 * — so two of them never both see "there is another admin" or "the database is empty".
 */
export async function withAccountsLock<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
  const { settings } = tables
  // The row must exist to be locked (a lock on a missing row would not serialize anything).
  await useDb().insert(settings).ignore().values({ key: 'registration', value: JSON.stringify(DEFAULTS.registration) })
  return retryOnDeadlock(() => useDb().transaction(async (tx) => {
    await tx.select({ key: settings.key }).from(settings).where(eq(settings.key, 'registration')).for('update')
    return work(tx)
  }, { isolationLevel: 'read committed' }))
}

/** Changes the given settings (validated by settingsPatchBody) and answers them all. */
export function updateSettings(patch: Partial<SettingsDto>): Promise<SettingsDto> {
  return withAccountsLock(async (tx) => {
    for (const key of KEYS) {
      if (patch[key] === undefined) continue
      const value = JSON.stringify(patch[key])
      await tx.insert(tables.settings).values({ key, value }).onDuplicateKeyUpdate({ set: { value, updatedAt: sql`CURRENT_TIMESTAMP(3)` } })
    }
    return readSettings(tx)
  })
}
