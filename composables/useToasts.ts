export type ToastKind = 'success' | 'error' | 'info'

export interface ToastAction {
  label: string
  run: () => void
}

export interface Toast {
  id: number
  kind: ToastKind
  text: string
  /** A button in the notice (Undo); client-only, so the function never reaches the SSR payload. */
  action?: ToastAction
}

let nextToastId = 1
const timers = new Map<number, ReturnType<typeof setTimeout>>()

/** Short notices shown in one aria-live region (see ToastRegion). */
export function useToasts() {
  const toasts = useState<Toast[]>('toasts', () => [])

  function dismiss(id: number) {
    clearTimeout(timers.get(id))
    timers.delete(id)
    toasts.value = toasts.value.filter(t => t.id !== id)
  }

  function show(kind: ToastKind, text: string, action?: ToastAction) {
    if (import.meta.server) return
    const id = nextToastId++
    toasts.value = [...toasts.value.slice(-3), { id, kind, text, ...(action ? { action } : {}) }]
    // A notice with a button stays longer: it has to be reachable by keyboard.
    timers.set(id, setTimeout(() => dismiss(id), kind === 'error' || action ? 8000 : 4500))
  }

  return {
    toasts,
    dismiss,
    success: (text: string, action?: ToastAction) => show('success', text, action),
    error: (text: string) => show('error', text),
    info: (text: string) => show('info', text),
  }
}
