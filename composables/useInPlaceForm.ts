import type { Ref } from 'vue'

/**
 * A form shown on the page in place of the button that opens it (new album, edit album). `start()` shows
 * it and focuses its first field, `stop()` hides it and gives focus back to `opener`; `submit(run)` runs
 * one request at a time with `busy` set, and keeps a failure in `failure` for the form to show.
 */
export function useInPlaceForm(opener: Ref<HTMLElement | null | undefined>) {
  const open = ref(false)
  const busy = ref(false)
  const failure = ref<ApiFailure | null>(null)
  /** Bind with ref="…" to the form component (AlbumForm). */
  const form = ref<{ focus: () => void }>()

  async function start() {
    open.value = true
    failure.value = null
    await nextTick()
    form.value?.focus()
  }

  async function stop() {
    open.value = false
    failure.value = null
    await nextTick()
    opener.value?.focus()
  }

  async function submit(run: () => Promise<void>) {
    if (busy.value) return
    busy.value = true
    failure.value = null
    try {
      await run()
    }
    catch (error) {
      failure.value = toApiFailure(error)
    }
    finally {
      busy.value = false
    }
  }

  return { open, busy, failure, form, start, stop, submit }
}
