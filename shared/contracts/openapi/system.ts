import { z } from 'zod'
import { errors, PUBLIC, json, type FeaturePaths } from './common'

// Operating (SPEC §11): health, readiness, metrics, and this document itself.

const check = z.enum(['ok', 'fail'])
const livez = z.object({ status: z.literal('ok'), checks: z.object({}).strict() }).meta({ id: 'Liveness' })
const readyz = z.object({ status: check, checks: z.object({ database: check, storage: check }) }).meta({ id: 'Readiness' })

export const paths: FeaturePaths = {
  '/api/health': {
    get: {
      ...PUBLIC,
      tags: ['operating'],
      summary: 'The database answers (kept from part one; see /readyz)',
      responses: { 200: json(z.object({ status: z.literal('ok') })), ...errors('SERVICE_UNAVAILABLE') },
    },
  },
  '/livez': {
    get: { ...PUBLIC, tags: ['operating'], summary: 'The process answers', responses: { 200: json(livez) } },
  },
  '/readyz': {
    get: {
      ...PUBLIC,
      tags: ['operating'],
      summary: 'Database reachable and storage writable',
      responses: { 200: json(readyz, 'Ready'), 503: json(readyz, 'Not ready: the failing check says `fail`') },
    },
  },
  '/metrics': {
    get: {
      tags: ['operating'],
      summary: 'Prometheus metrics (only when METRICS_TOKEN is set: Bearer that token)',
      security: [{ metricsToken: [] }],
      responses: {
        200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
        401: { description: 'Missing or wrong token' },
        404: { description: 'METRICS_TOKEN is not set' },
      },
    },
  },
  '/api/openapi.json': {
    get: { ...PUBLIC, tags: ['operating'], summary: 'This document (OpenAPI 3.1)', responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } },
  },
  '/api/docs': {
    get: { ...PUBLIC, tags: ['operating'], summary: 'The interactive API reference (HTML)', responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } } },
  },
  '/api/docs/{file}': {
    get: {
      ...PUBLIC,
      tags: ['operating'],
      summary: 'The reference page\'s script (same origin, no CDN)',
      requestParams: { path: z.object({ file: z.enum(['reference.js']) }) },
      responses: { 200: { description: 'JavaScript', content: { 'text/javascript': { schema: { type: 'string' } } } }, 304: { description: 'Not modified' }, ...errors('NOT_FOUND') },
    },
  },
}
