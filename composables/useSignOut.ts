import { useAlbumsStore } from '~/stores/albums'
import { useImagesStore } from '~/stores/images'
import { useTrashStore } from '~/stores/trash'

/**
 * For signed-in pages: `signOut()` for the header's button, and the way out when the session ends
 * (here, in another tab, or expired): every store forgets the user's photos and the sign-in page opens.
 */
export function useSignOut(onSignedOut?: () => void) {
  const { t } = useI18n()
  const auth = useAuthStore()
  const toasts = useToasts()
  const errorText = useErrorText()

  watch(() => auth.user, (user) => {
    if (user) return
    onSignedOut?.()
    useImagesStore().reset()
    useTrashStore().reset()
    useAlbumsStore().reset()
    void navigateTo('/login')
  })

  return async function signOut() {
    try {
      await auth.logout()
    }
    catch (error) {
      toasts.error(t('toast.signOutFailed', { reason: errorText(toApiFailure(error)) }))
    }
  }
}
