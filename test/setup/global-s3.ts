import type { TestProject } from 'vitest/node'
import { startS3 } from './s3'

/**
 * The `api-s3` project's own setup: a real S3-compatible server (s3rver) on loopback for the whole
 * run. Every server the project's tests start (startServer, startOwnServer) stores its images in a
 * bucket of its own there (STORAGE=s3), so the API suite runs once on fs and once on S3.
 */
export default async function setup(project: TestProject) {
  const s3 = await startS3()
  project.provide('s3Endpoint', s3.endpoint)
  return () => s3.close()
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set in the api-s3 project only: the S3 server every test server stores its images in. */
    s3Endpoint: string | undefined
  }
}
