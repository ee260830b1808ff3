import type { Ref } from 'vue'

/** Calls `onNear` whenever `sentinel` comes within `margin` of the viewport. */
export function useInfiniteScroll(sentinel: Ref<HTMLElement | null | undefined>, onNear: () => void, margin = '800px') {
  let observer: IntersectionObserver | undefined

  onMounted(() => {
    if (!('IntersectionObserver' in window)) return // the "load more" button still works
    observer = new IntersectionObserver((entries) => {
      if (entries.some(e => e.isIntersecting)) onNear()
    }, { rootMargin: `0px 0px ${margin} 0px` })
    watch(sentinel, (el, old) => {
      if (old) observer?.unobserve(old)
      if (el) observer?.observe(el)
    }, { immediate: true })
  })
  onBeforeUnmount(() => observer?.disconnect())

  /** Re-checks after new content: the sentinel may still be in view, which fires no new event. */
  function recheck() {
    const el = sentinel.value
    if (!el || !observer) return
    observer.unobserve(el)
    observer.observe(el)
  }

  return { recheck }
}
