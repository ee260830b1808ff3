// npm run user -- <command> <name>
//   list                  every account with its role and state
//   promote <name>        make the account an admin
//   demote <name>         make the admin a plain user (refused for the last enabled admin)
//   reset-password <name> [--password-stdin]
//                         set a new password (random and printed once, or read from stdin) and end
//                         every session of the account
// Recovery from the command line (SPEC §10), e.g. when the only admin forgot their password. It
// reads the same settings as the server (.env) and talks to the database directly; the server may
// keep running. Plain Node loads this file (type stripping): relative imports carry `.ts`, no Nitro.
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import { passwordSchema, usernameKey } from '../shared/contracts/auth.ts'
import { ConfigError, useConfig } from '../server/infra/config.ts'
import { hashPassword } from '../server/features/auth/passwords.ts'

const USAGE = 'usage: npm run user -- list | promote <name> | demote <name> | reset-password <name> [--password-stdin]'

function fail(message: string, code = 1): never {
  console.error(`user: ${message}`)
  process.exit(code)
}

const passwordFromStdin = process.argv.includes('--password-stdin')
const [command, name] = process.argv.slice(2).filter(arg => arg !== '--password-stdin')
if (!command || !['list', 'promote', 'demote', 'reset-password'].includes(command)) fail(USAGE, 2)
if (command !== 'list' && !name) fail(USAGE, 2)

const config = (() => {
  try { return useConfig() }
  catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems) console.error(`user: ${problem}`)
    process.exit(2)
  }
})()

const db = await mysql.createConnection({ ...config.db, connectTimeout: 3000 }).catch((error) => {
  fail(`cannot reach the database (${error.code ?? error.message})`, 2)
})

interface UserRow extends mysql.RowDataPacket { id: number, username: string, role: string, disabled_at: Date | null }

/** The new password: read from stdin with --password-stdin (one trailing newline dropped), else made here. */
async function newPassword(): Promise<{ password: string, generated: boolean }> {
  if (!passwordFromStdin) return { password: randomBytes(12).toString('base64url'), generated: true }
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const piped = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
  const checked = passwordSchema.safeParse(piped)
  if (!checked.success) fail(checked.error.issues[0]?.message ?? 'invalid password')
  return { password: piped, generated: false }
}

try {
  if (command === 'list') {
    const [rows] = await db.query<UserRow[]>('SELECT id, username, role, disabled_at FROM users ORDER BY id')
    for (const row of rows) console.log(`${row.id}\t${row.username}\t${row.role}${row.disabled_at ? '\tdisabled' : ''}`)
  }
  else {
    // The server's accounts lock (features/admin/settings.ts): the `registration` settings row.
    await db.query('INSERT IGNORE INTO settings (`key`, `value`) VALUES (\'registration\', \'"open"\')')
    const password = command === 'reset-password' ? await newPassword() : undefined
    const hash = password ? await hashPassword(password.password) : undefined
    await db.beginTransaction()
    await db.query('SELECT `key` FROM settings WHERE `key` = \'registration\' FOR UPDATE')
    const [[user]] = await db.query<UserRow[]>('SELECT id, username, role, disabled_at FROM users WHERE username_key = ? FOR UPDATE', [usernameKey(name!)])
    if (!user) {
      await db.rollback()
      fail(`no account named ${JSON.stringify(name)}`)
    }
    if (command === 'promote') {
      await db.query('UPDATE users SET role = \'admin\' WHERE id = ?', [user.id])
      console.log(`user: ${user.username} is an admin${user.disabled_at ? ' (the account is disabled)' : ''}`)
    }
    else if (command === 'demote') {
      const [others] = await db.query<UserRow[]>('SELECT id FROM users WHERE role = \'admin\' AND disabled_at IS NULL AND id <> ? LIMIT 1', [user.id])
      if (user.role === 'admin' && !user.disabled_at && others.length === 0) {
        await db.rollback()
        fail(`${user.username} is the last enabled admin; promote someone else first`)
      }
      await db.query('UPDATE users SET role = \'user\' WHERE id = ?', [user.id])
      console.log(`user: ${user.username} is a plain user`)
    }
    else {
      await db.query('UPDATE users SET password = ? WHERE id = ?', [hash, user.id])
      const [ended] = await db.query<mysql.ResultSetHeader>('DELETE FROM sessions WHERE user_id = ?', [user.id])
      console.log(`user: new password for ${user.username}${password?.generated ? `: ${password.password}` : ' set'} (${ended.affectedRows} session(s) ended)`)
    }
    await db.commit()
  }
}
finally {
  await db.end()
}
// The password hashing pool's worker threads would keep the process alive.
process.exit(process.exitCode ?? 0)
