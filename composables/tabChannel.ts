interface SignedOut { type: 'signed-out' }
interface SignedIn { type: 'signed-in', userId: number }
interface ImagesChanged { type: 'images-changed', userId: number }

/** What one tab tells the others of the same browser profile (BroadcastChannel, same origin only). */
export type TabMessage = SignedOut | SignedIn | ImagesChanged

const CHANNEL = 'gallery-tabs'
let channel: BroadcastChannel | null | undefined

function open(): BroadcastChannel | null {
  if (channel === undefined) channel = import.meta.client && typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null
  return channel
}

/** Tells the other tabs (never this one); a no-op on the server and in browsers without BroadcastChannel. */
export function postToTabs(message: TabMessage): void {
  open()?.postMessage(message)
}

/** Listens to the other tabs; returns the way to stop. */
export function onTabMessage(listener: (message: TabMessage) => void): () => void {
  const ch = open()
  if (!ch) return () => {}
  const handler = (event: MessageEvent<TabMessage>) => listener(event.data)
  ch.addEventListener('message', handler)
  return () => ch.removeEventListener('message', handler)
}
