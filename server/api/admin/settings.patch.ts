import type { SettingsDto } from '../../../shared/contracts/account'
import { settingsPatchBody } from '../../../shared/contracts/accountParams'
import { updateSettings } from '../../features/admin/settings'
import { requireAdmin } from '../../features/auth/guard'
import { readJsonBody } from '../../infra/http/body'

export default defineEventHandler(async (event): Promise<SettingsDto> => {
  await requireAdmin(event)
  const patch = await readJsonBody(event, settingsPatchBody)
  return updateSettings(patch)
})
