import type { Credentials } from '~/stores/auth'

/**
 * The state of the sign-in and sign-up forms (CredentialsForm). `rules` give a field's message for its
 * value ('' when it is fine; the username comes trimmed); messages show from the first submit on.
 * `submit(send, onFailure)` focuses the first wrong field, else sends once at a time; a failure is kept in
 * `failure` for the form to show and handed to `onFailure` (where focus goes then).
 */
export function useCredentialsForm(rules: { username: (name: string) => string, password: (password: string) => string }, initialUsername = '') {
  const username = ref(initialUsername)
  const password = ref('')
  const submitted = ref(false)
  const busy = ref(false)
  const failure = ref<ApiFailure | null>(null)
  /** Bind with ref="…" to the CredentialsForm. */
  const form = ref<{ focusUsername: () => void, focusPassword: () => void }>()

  const usernameError = computed(() => (submitted.value ? rules.username(username.value.trim()) : ''))
  const passwordError = computed(() => (submitted.value ? rules.password(password.value) : ''))

  async function submit(send: (credentials: Credentials) => Promise<void>, onFailure: (failure: ApiFailure) => void) {
    submitted.value = true
    failure.value = null
    if (usernameError.value) return form.value?.focusUsername()
    if (passwordError.value) return form.value?.focusPassword()
    busy.value = true
    try {
      await send({ username: username.value.trim(), password: password.value })
    }
    catch (error) {
      failure.value = toApiFailure(error)
      onFailure(failure.value)
    }
    finally {
      busy.value = false
    }
  }

  return { username, password, submitted, busy, failure, form, usernameError, passwordError, submit }
}
