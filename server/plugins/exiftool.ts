import { endExifTool } from '../features/images/exif'

// The shared exiftool (GPS removal) runs perl child processes: Nitro calls `close` on shutdown
// (SIGTERM/SIGINT with its graceful shutdown), and they are ended there rather than left to linger.
export default defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('close', () => endExifTool())
})
