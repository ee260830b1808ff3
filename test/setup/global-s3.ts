import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'

/**
 * The `api-s3` project's own setup: a real S3-compatible server (s3rver, in a process of its own) on
 * loopback for the whole run. Every server the project's tests start (startServer, startOwnServer)
 * stores its images in a bucket of its own there (STORAGE=s3), so the API suite runs once on fs and
 * once on S3.
 */
export default async function setup(project: TestProject) {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-run-'))
  const child = spawn(process.execPath, [join(import.meta.dirname, 's3rver-process.mjs'), directory], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise(resolve => child.once('exit', resolve))
  const port = await new Promise<number>((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk
      const line = output.split('\n')[0]
      if (output.includes('\n')) resolve((JSON.parse(line!) as { port: number }).port)
    })
    child.once('exit', code => reject(new Error(`s3rver exited (${code}) before listening`)))
  })
  project.provide('s3Endpoint', `http://127.0.0.1:${port}`)
  return async () => {
    child.kill('SIGTERM')
    await exited
    await rm(directory, { recursive: true, force: true })
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set in the api-s3 project only: the S3 server every test server stores its images in. */
    s3Endpoint: string | undefined
  }
}
