import { createDocument } from 'zod-openapi'
import { paths as accounts } from './accounts'
import { paths as albums } from './albums'
import { paths as auth } from './auth'
import type { FeaturePaths } from './common'
import { paths as images } from './images'
import { paths as security } from './security'
import { paths as shares } from './shares'
import { paths as system } from './system'

/**
 * The OpenAPI 3.1 document of the API (SPEC §11), served at GET /api/openapi.json and rendered at
 * /api/docs. Generated from the zod schemas the routes validate with (shared/contracts/*), plus zod
 * mirrors of the response DTOs that are type-checked against their interfaces (common.ts `dto`).
 *
 * HOW TO ADD A ROUTE (or a feature) — see README.md in this folder:
 * 1. In the feature's file here (or a new `<feature>.ts` exporting `paths: FeaturePaths`), add the
 *    operation under its path, `{param}` for `[param]`: `requestParams` (the route's own zod
 *    schemas), `requestBody`, `responses` with `json(...)` and `errors(...codes)`; `...PUBLIC` when
 *    it needs no session.
 * 2. A new file: import it below and add it to FEATURES.
 * test/api/openapi.test.ts walks server/api and fails for any route file without its operation.
 */
const FEATURES: FeaturePaths[] = [auth, accounts, security, images, albums, shares, system]

let document: ReturnType<typeof createDocument> | undefined

export function openApiDocument(): ReturnType<typeof createDocument> {
  document ??= createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Gallery API',
      version: '1',
      description: 'A self-hosted image gallery. Errors answer `{message, code}` with `code` from the ErrorCode table. Signed-in routes take `Authorization: Bearer <token>` (from /api/login) or the session cookie; cookie-authenticated writes must come from the app\'s own origin.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        cookieAuth: { type: 'apiKey', in: 'cookie', name: 'gallery_token', description: '`__Host-gallery_token` behind HTTPS' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
      },
    },
    tags: ['auth', 'account', 'admin', 'images', 'trash', 'albums', 'shares', 'operating'].map(name => ({ name })),
    paths: Object.assign({}, ...FEATURES),
  })
  return document
}
