import type { ApiFailure } from './apiError'

/**
 * Turns an ApiFailure into a sentence in the user's language: the translation of `errors.<code>`
 * when we have one, else the API's own message, else a generic one.
 */
export function useErrorText() {
  const { t, te } = useI18n()
  return (failure: ApiFailure | undefined | null): string => {
    if (!failure) return ''
    const key = `errors.${failure.code}`
    // UNKNOWN_ERROR may carry the API's own message for a code this web app does not know yet: show that.
    if (te(key) && !(failure.code === 'UNKNOWN_ERROR' && failure.message)) return t(key, { seconds: failure.retryAfter ?? 60 })
    if (failure.message) return failure.message
    return t(failure.status >= 500 ? 'errors.SERVER_ERROR' : 'errors.UNKNOWN_ERROR')
  }
}
