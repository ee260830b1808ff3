import type { MessageResponse } from '../../shared/contracts/images'
import { noStore, signOut } from '../features/auth/guard'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  noStore(event)
  await signOut(event)
  return { message: '登出成功' }
})
