import type { SettingsDto } from '../../../shared/contracts/account'
import { readSettings } from '../../features/admin/settings'
import { noStore, requireAdmin } from '../../features/auth/guard'

export default defineEventHandler(async (event): Promise<SettingsDto> => {
  noStore(event)
  await requireAdmin(event)
  return readSettings()
})
