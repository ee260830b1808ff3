// s3rver in a process of its own (the api-s3 project's S3 server): started by test/setup/global-s3.ts,
// so the S3 work of the whole run does not share vitest's main event loop. Prints `{"port":…}` once
// listening; SIGTERM closes it.
import S3rver from 's3rver'

const [directory] = process.argv.slice(2)
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory })
const { port } = await server.run()
process.stdout.write(JSON.stringify({ port }) + '\n')
process.once('SIGTERM', () => { server.close().finally(() => process.exit(0)) })
