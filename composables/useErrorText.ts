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
    if (te(key)) return t(key, { seconds: failure.retryAfter ?? 60 })
    if (failure.message) return failure.message
    return t(failure.status >= 500 ? 'errors.SERVER_ERROR' : 'errors.UNKNOWN_ERROR')
  }
}
