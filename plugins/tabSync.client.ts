import { onTabMessage, postToTabs } from '~/composables/tabChannel'
import { useImagesStore } from '~/stores/images'

/** Quiet time after a change elsewhere before this tab asks for the list again (many uploads → one load). */
const REFRESH_DELAY_MS = 800

/**
 * Keeps the tabs of one browser in step without polling: signing out in one signs out all (each then
 * shows the sign-in page, see useSignOut); an upload or delete in one makes the others load their list
 * again, at once when they are shown, else as soon as they are shown again.
 */
export default defineNuxtPlugin(() => {
  const auth = useAuthStore()
  const images = useImagesStore()
  let pending = false
  let timer: ReturnType<typeof setTimeout> | undefined

  function refreshWhenShown() {
    if (document.visibilityState !== 'visible') return
    if (!pending) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      pending = false
      void images.refresh()
    }, REFRESH_DELAY_MS)
  }

  auth.onSessionChange((change) => {
    if (change === 'signed-out') postToTabs({ type: 'signed-out' })
    else if (auth.user) postToTabs({ type: 'signed-in', userId: auth.user.id })
  })
  images.onChanged(() => {
    if (auth.user) postToTabs({ type: 'images-changed', userId: auth.user.id })
  })

  onTabMessage((message) => {
    if (message.type === 'signed-out') {
      if (auth.user) auth.endSession('signed-out')
    }
    else if (message.type === 'signed-in') {
      // Signed in elsewhere while this tab shows the sign-in page: this one follows.
      if (auth.user) return
      auth.fetchUser().then((user) => {
        if (user) void navigateTo('/')
      }).catch(() => {})
    }
    else if (auth.user?.id === message.userId) {
      pending = true
      refreshWhenShown()
    }
  })
  document.addEventListener('visibilitychange', refreshWhenShown)
  window.addEventListener('focus', refreshWhenShown)
})
