/**
 * For stores that call the API as the signed-in user. `check` turns whatever a call threw into an
 * ApiFailure; a 401 while someone is signed in means the session itself ended (revoked or expired
 * elsewhere), so the whole app signs out. `call` runs a request and throws its failure through `check`.
 */
export function useSessionApi() {
  const auth = useAuthStore()

  function check(error: unknown): ApiFailure {
    const failure = toApiFailure(error)
    if (failure.status === 401 && auth.user) auth.endSession('expired')
    return failure
  }

  async function call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    }
    catch (error) {
      throw check(error)
    }
  }

  return { check, call }
}
