import { useSessionApi } from '~/composables/useSessionApi'
import type { EmailVerifiedDto, RecoveryCodesDto, TwoFactorSetupDto } from '#shared/contracts/security'

/**
 * Sign-in security (SPEC §10): two-factor setup, enable and disable; adding and verifying an email
 * address; "forgot password" and resetting it with a link. What is on comes from the auth store's
 * user (/api/me: two_factor, email, email_available), which is reloaded after each change.
 */
export const useSecurityStore = defineStore('security', () => {
  const auth = useAuthStore()
  /** The pending setup (secret and otpauth URL), between "set up" and "enable". */
  const pending = ref<TwoFactorSetupDto | null>(null)
  /** The recovery codes just handed out: shown once, then forgotten. */
  const recoveryCodes = ref<string[]>([])
  const { call } = useSessionApi()

  async function startSetup(): Promise<void> {
    pending.value = await call(() => $fetch<TwoFactorSetupDto>('/api/account/2fa/setup', { method: 'POST' }))
  }

  async function enable(code: string): Promise<void> {
    const answer = await call(() => $fetch<RecoveryCodesDto>('/api/account/2fa/enable', { method: 'POST', body: { code } }))
    recoveryCodes.value = answer.recovery_codes
    pending.value = null
    await auth.fetchUser()
  }

  async function disable(password: string): Promise<void> {
    await call(() => $fetch('/api/account/2fa', { method: 'DELETE', body: { password } }))
    await auth.fetchUser()
  }

  function cancelSetup(): void {
    pending.value = null
  }

  function forgetRecoveryCodes(): void {
    recoveryCodes.value = []
  }

  async function addEmail(email: string): Promise<void> {
    await call(() => $fetch('/api/account/email', { method: 'POST', body: { email } }))
  }

  async function removeEmail(): Promise<void> {
    await call(() => $fetch('/api/account/email', { method: 'DELETE' }))
    await auth.fetchUser()
  }

  async function verifyEmail(token: string): Promise<string> {
    const answer = await call(() => $fetch<EmailVerifiedDto>('/api/account/email/verify', { method: 'POST', body: { token } }))
    await auth.fetchUser()
    return answer.email
  }

  /** Anonymous: asks for a reset link by username or by email (the answer is the same either way). */
  async function forgotPassword(identifier: string): Promise<void> {
    const body = identifier.includes('@') ? { email: identifier } : { username: identifier }
    await apiCall(() => $fetch('/api/password/forgot', { method: 'POST', body }))
  }

  async function resetPassword(token: string, newPassword: string): Promise<void> {
    await apiCall(() => $fetch('/api/password/reset', { method: 'POST', body: { token, new_password: newPassword } }))
  }

  function reset(): void {
    pending.value = null
    recoveryCodes.value = []
  }

  // Nothing of one account stays in memory for the next one signing in on this tab.
  watch(() => auth.user?.id, () => reset())

  return { pending, recoveryCodes, startSetup, enable, disable, cancelSetup, forgetRecoveryCodes, addEmail, removeEmail, verifyEmail, forgotPassword, resetPassword, reset }
})
