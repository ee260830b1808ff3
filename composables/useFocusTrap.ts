import type { Ref } from 'vue'

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/** Open traps, innermost last: only the innermost one handles Tab (a confirmation above the viewer). */
const stack: object[] = []

/**
 * Keeps Tab and Shift+Tab inside `container` while it is shown, and gives focus back to whatever had it
 * before (or to `returnTo()`, when that element may be gone) when it closes.
 */
export function useFocusTrap(container: Ref<HTMLElement | null | undefined>, returnTo?: () => HTMLElement | null | undefined) {
  let previous: HTMLElement | null = null
  const self = {}

  function focusables(): HTMLElement[] {
    const root = container.value
    if (!root) return []
    return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(el => el.offsetParent !== null || el === document.activeElement)
  }

  function onKeydown(event: KeyboardEvent) {
    if (event.key !== 'Tab' || stack.at(-1) !== self) return
    const list = focusables()
    if (!list.length) {
      event.preventDefault()
      return
    }
    const first = list[0]!
    const last = list.at(-1)!
    const active = document.activeElement
    if (event.shiftKey && (active === first || !container.value?.contains(active))) {
      event.preventDefault()
      last.focus()
    }
    else if (!event.shiftKey && (active === last || !container.value?.contains(active))) {
      event.preventDefault()
      first.focus()
    }
  }

  /** Remembers the focused element and moves focus into the container (to `initial` when given). */
  function activate(initial?: HTMLElement | null) {
    previous = document.activeElement as HTMLElement | null
    stack.push(self)
    document.addEventListener('keydown', onKeydown, true)
    ;(initial ?? focusables()[0] ?? container.value)?.focus()
  }

  function release() {
    document.removeEventListener('keydown', onKeydown, true)
    const at = stack.indexOf(self)
    if (at >= 0) stack.splice(at, 1)
  }

  function deactivate() {
    release()
    const target = returnTo?.() ?? previous
    previous = null
    if (target?.isConnected) target.focus()
  }

  onBeforeUnmount(release)

  return { activate, deactivate }
}
