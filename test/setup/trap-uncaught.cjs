// Preloaded (NODE_OPTIONS=--require) into every server the tests start. Nitro already logs uncaught
// exceptions and unhandled rejections and keeps running; this also writes them to the run's fault
// log, which the global teardown reads: any entry fails the run (issue: no test may reach them).
const { appendFileSync } = require('node:fs')

const file = process.env.GALLERY_TEST_FAULT_LOG
if (file) {
  for (const type of ['uncaughtException', 'unhandledRejection']) {
    process.on(type, (error) => {
      appendFileSync(file, `${type} in server ${process.pid}: ${(error && error.stack) || error}\n`)
    })
  }
}
