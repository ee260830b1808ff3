import { useSessionApi } from '~/composables/useSessionApi'
import type { AdminStatsDto, AdminUserDto, InviteDto, Role, SettingsDto } from '#shared/contracts/account'
import type { ResetLinkDto } from '#shared/contracts/security'

export interface UserChange { role?: Role, disabled?: boolean, quota_bytes?: number | null }

/** The admin console (SPEC §10): accounts as counts and sizes, instance stats, settings, invite links. */
export const useAdminStore = defineStore('admin', () => {
  const auth = useAuthStore()
  const users = ref<AdminUserDto[]>([])
  const stats = ref<AdminStatsDto | null>(null)
  const settings = ref<SettingsDto | null>(null)
  /** Links made in this visit (the server shows a token only once). */
  const invites = ref<InviteDto[]>([])
  const loadError = ref<ApiFailure | null>(null)
  const { check } = useSessionApi()

  async function load(): Promise<void> {
    const fetcher = import.meta.server ? useRequestFetch() : $fetch
    loadError.value = null
    try {
      const [u, s, c] = await Promise.all([
        fetcher<AdminUserDto[]>('/api/admin/users'),
        fetcher<AdminStatsDto>('/api/admin/stats'),
        fetcher<SettingsDto>('/api/admin/settings'),
      ])
      users.value = u
      stats.value = s
      settings.value = c
    }
    catch (error) {
      loadError.value = check(error)
    }
  }

  async function updateUser(id: number, change: UserChange): Promise<AdminUserDto> {
    try {
      const updated = await $fetch<AdminUserDto>(`/api/admin/users/${id}`, { method: 'PATCH', body: change })
      users.value = users.value.map(u => (u.id === id ? updated : u))
      // An admin who stepped down loses the console with the next /api/me.
      if (id === auth.user?.id && change.role === 'user') await auth.fetchUser()
      return updated
    }
    catch (error) {
      const failure = check(error)
      if (failure.code === 'USER_NOT_FOUND') users.value = users.value.filter(u => u.id !== id)
      throw failure
    }
  }

  async function deleteUser(id: number): Promise<void> {
    try {
      await $fetch(`/api/admin/users/${id}`, { method: 'DELETE' })
    }
    catch (error) {
      const failure = check(error)
      if (failure.code !== 'USER_NOT_FOUND') throw failure
    }
    users.value = users.value.filter(u => u.id !== id)
  }

  async function saveSettings(change: Partial<SettingsDto>): Promise<void> {
    try {
      settings.value = await $fetch<SettingsDto>('/api/admin/settings', { method: 'PATCH', body: change })
    }
    catch (error) {
      throw check(error)
    }
  }

  async function createInvite(): Promise<InviteDto> {
    try {
      const invite = await $fetch<InviteDto>('/api/admin/invites', { method: 'POST', body: {} })
      invites.value = [invite, ...invites.value]
      return invite
    }
    catch (error) {
      throw check(error)
    }
  }

  /** A one-time password reset link for a user (SPEC §10: what an admin gives instead of email). */
  async function resetLink(id: number): Promise<ResetLinkDto> {
    try {
      return await $fetch<ResetLinkDto>(`/api/admin/users/${id}/reset-link`, { method: 'POST' })
    }
    catch (error) {
      throw check(error)
    }
  }

  return { users, stats, settings, invites, loadError, load, updateUser, deleteUser, saveSettings, createInvite, resetLink }
})
