import { useSessionApi } from '~/composables/useSessionApi'
import type { RevokedResponse, SessionDto } from '#shared/contracts/account'

/**
 * The signed-in user's own account (SPEC §10): signed-in devices, password, deleting the account.
 * The profile and usage come from the auth store's user (/api/me).
 */
export const useAccountStore = defineStore('account', () => {
  const auth = useAuthStore()
  const sessions = ref<SessionDto[]>([])
  const loadError = ref<ApiFailure | null>(null)
  const { check } = useSessionApi()

  async function loadSessions(): Promise<void> {
    const fetcher = import.meta.server ? useRequestFetch() : $fetch
    loadError.value = null
    try {
      sessions.value = await fetcher<SessionDto[]>('/api/account/sessions')
    }
    catch (error) {
      loadError.value = check(error)
    }
  }

  async function revokeSession(id: string): Promise<void> {
    const current = sessions.value.find(s => s.id === id)?.current
    try {
      await $fetch(`/api/account/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' })
    }
    catch (error) {
      const failure = check(error)
      // Already ended elsewhere: what was asked for.
      if (failure.code !== 'SESSION_NOT_FOUND') throw failure
    }
    sessions.value = sessions.value.filter(s => s.id !== id)
    if (current) auth.endSession('signed-out')
  }

  async function revokeOthers(): Promise<number> {
    try {
      const { count } = await $fetch<RevokedResponse>('/api/account/sessions/revoke-others', { method: 'POST' })
      sessions.value = sessions.value.filter(s => s.current)
      return count
    }
    catch (error) {
      throw check(error)
    }
  }

  /** Changes the password; every other session ends (the list then shows only this one). */
  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    try {
      await $fetch('/api/account/password', { method: 'POST', body: { current_password: currentPassword, new_password: newPassword } })
      sessions.value = sessions.value.filter(s => s.current)
    }
    catch (error) {
      throw check(error)
    }
  }

  /** Deletes the account with everything in it, then forgets the user. */
  async function deleteAccount(password: string): Promise<void> {
    try {
      await $fetch('/api/account', { method: 'DELETE', body: { password } })
    }
    catch (error) {
      throw check(error)
    }
    sessions.value = []
    auth.endSession('signed-out')
  }

  function reset() {
    sessions.value = []
    loadError.value = null
  }

  return { sessions, loadError, loadSessions, revokeSession, revokeOthers, changePassword, deleteAccount, reset }
})
