// s3rver in a process of its own (the api-s3 project's S3 server): started by test/setup/global-s3.ts,
// so the S3 work of the whole run does not share vitest's main event loop. Prints `{"port":…}` once
// listening; SIGTERM closes it.
import S3rver from 's3rver'

const [directory] = process.argv.slice(2)
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory })
const { port } = await server.run()
process.stdout.write(JSON.stringify({ port }) + '\n')
process.once('SIGTERM', () => { server.close().finally(() => process.exit(0)) })

// s3rver keeps objects as files in per-prefix folders and removes a folder once empty: an object
// written under a prefix whose last object is being deleted at that moment (a background thumbnail
// finishing while its account is deleted) hits ENOENT on an error event nobody listens to, which would
// take the whole S3 server down for the rest of the run. A real S3 has no folders: that one request
// fails (the app sees a storage error and cleans up), the server stays up. Anything else still ends it.
process.on('uncaughtException', (error) => {
  if (error?.code === 'ENOENT' && String(error.path ?? '').endsWith('._S3rver_object')) {
    console.error(`[s3rver] ${error.message} (a prefix emptied during the write; that request failed)`)
    return
  }
  console.error(error)
  process.exit(1)
})
