import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/mysql2'
import { migrate } from 'drizzle-orm/mysql2/migrator'
import { useStorage } from 'nitropack/runtime'
import { usePool } from '.'

interface Journal { entries: Array<{ tag: string }> }

/**
 * Writes the migrations bundled into the server (Nitro server assets, so a production `.output`
 * needs no source tree) to a temporary folder in drizzle-kit's layout, for drizzle's own migrator.
 */
async function unpackMigrations(): Promise<string> {
  const assets = useStorage('assets:migrations')
  const journal = await assets.getItem<Journal>('meta/_journal.json')
  if (!journal?.entries) throw new Error('migrations journal missing from the server bundle')
  const dir = await mkdtemp(join(tmpdir(), 'gallery-migrations-'))
  await mkdir(join(dir, 'meta'))
  await writeFile(join(dir, 'meta/_journal.json'), JSON.stringify(journal))
  for (const { tag } of journal.entries) {
    const query = await assets.getItem<string>(`${tag}.sql`)
    if (!query) throw new Error(`migration ${tag}.sql missing from the server bundle`)
    await writeFile(join(dir, `${tag}.sql`), String(query))
  }
  return dir
}

/**
 * Applies the committed drizzle-kit migrations (same bookkeeping table as `drizzle-kit migrate`).
 * A named lock on the connection that migrates keeps two instances starting together from racing.
 */
export async function runMigrations(): Promise<void> {
  const folder = await unpackMigrations()
  const conn = await usePool().getConnection()
  try {
    await conn.query('SELECT GET_LOCK(?, 60)', ['gallery_migrations'])
    await migrate(drizzle(conn), { migrationsFolder: folder })
  }
  finally {
    await conn.query('SELECT RELEASE_LOCK(?)', ['gallery_migrations']).catch(() => {})
    conn.release()
    await rm(folder, { recursive: true, force: true })
  }
}
