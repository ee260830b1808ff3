/**
 * False on the server and while the page hydrates, true afterwards: for text that depends on the browser,
 * such as a date in the reader's time zone (the server does not know it; rendering it there would make a
 * hydration mismatch on a /photos/<id> link).
 */
export function useHydrated() {
  const ready = ref(import.meta.client && !useNuxtApp().isHydrating)
  onMounted(() => { ready.value = true })
  return ready
}
