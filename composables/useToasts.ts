export type ToastKind = 'success' | 'error' | 'info'

/** A notice's words: a function (`() => t('…')`) is translated again when the language changes. */
export type ToastText = string | (() => string)

export interface ToastAction {
  label: ToastText
  run: () => void
}

export interface Toast {
  id: number
  kind: ToastKind
  text: ToastText
  /** A button in the notice (Undo); client-only, so the function never reaches the SSR payload. */
  action?: ToastAction
}

let nextToastId = 1
const timers = new Map<number, ReturnType<typeof setTimeout>>()

/** The words of a notice in the current language. */
export const toastText = (text: ToastText) => (typeof text === 'function' ? text() : text)

/**
 * Where notices are shown: null for the page, or the open modal dialog (the viewer), whose top layer would
 * otherwise hide them and whose inert backdrop would keep their buttons from the keyboard. Client only.
 */
const host = shallowRef<HTMLElement | null>(null)
export function useToastHost() {
  return host
}

/** Short notices shown in one aria-live region (see ToastRegion). */
export function useToasts() {
  const toasts = useState<Toast[]>('toasts', () => [])

  function dismiss(id: number) {
    clearTimeout(timers.get(id))
    timers.delete(id)
    toasts.value = toasts.value.filter(t => t.id !== id)
  }

  function show(kind: ToastKind, text: ToastText, action?: ToastAction) {
    if (import.meta.server) return
    const id = nextToastId++
    toasts.value = [...toasts.value.slice(-3), { id, kind, text, ...(action ? { action } : {}) }]
    // A notice with a button stays longer: it has to be reachable by keyboard.
    timers.set(id, setTimeout(() => dismiss(id), kind === 'error' || action ? 8000 : 4500))
  }

  return {
    toasts,
    dismiss,
    success: (text: ToastText, action?: ToastAction) => show('success', text, action),
    error: (text: ToastText, action?: ToastAction) => show('error', text, action),
    info: (text: ToastText, action?: ToastAction) => show('info', text, action),
  }
}
