export type ToastKind = 'success' | 'error' | 'info'

export interface Toast {
  id: number
  kind: ToastKind
  text: string
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

  function show(kind: ToastKind, text: string) {
    if (import.meta.server) return
    const id = nextToastId++
    toasts.value = [...toasts.value.slice(-3), { id, kind, text }]
    timers.set(id, setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4500))
  }

  return {
    toasts,
    dismiss,
    success: (text: string) => show('success', text),
    error: (text: string) => show('error', text),
    info: (text: string) => show('info', text),
  }
}
