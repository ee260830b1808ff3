import type { Ref } from 'vue'
import { useFocusTrap } from './useFocusTrap'

/**
 * A native modal `<dialog>` that is open while its component is mounted (show the component with v-if):
 * the page behind is inert, focus starts at `initialFocus()` (else the first focusable element) and stays
 * inside, and goes to `returnTo()` (else back to what had it before) when the dialog goes away.
 */
export function useModalDialog(
  dialog: Ref<HTMLDialogElement | null | undefined>,
  options: { initialFocus?: () => HTMLElement | null | undefined, returnTo?: () => HTMLElement | null | undefined } = {},
) {
  const { activate, deactivate } = useFocusTrap(dialog, options.returnTo)
  onMounted(() => {
    dialog.value?.showModal()
    activate(options.initialFocus?.())
  })
  onBeforeUnmount(() => {
    // Close first: while a modal dialog is open the page behind is inert and cannot take focus back.
    dialog.value?.close()
    deactivate()
  })
}
