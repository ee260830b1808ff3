import { gte, sql } from 'drizzle-orm'
import type { AdminStatsDto } from '../../../shared/contracts/account'
import { tables, useDb } from '../../infra/db'

const DAYS = 30

/** Instance totals and uploads per day over the last 30 days (database's dates), zero days included. */
export async function instanceStats(): Promise<AdminStatsDto> {
  const { users, images } = tables
  const db = useDb()
  const [userTotal] = await db.select({ n: sql<number>`COUNT(*)` }).from(users)
  const [imageTotal] = await db.select({ n: sql<number>`COUNT(*)`, bytes: sql<string | number>`COALESCE(SUM(${images.size}), 0)` }).from(images)
  const day = sql<string>`DATE_FORMAT(${images.createdAt}, '%Y-%m-%d')`
  const [rows] = await db.execute<Array<{ today: string }>>(sql`SELECT DATE_FORMAT(CURRENT_DATE, '%Y-%m-%d') AS today`)
  const today = (rows as unknown as Array<{ today: string }>)[0]
  const perDay = await db.select({ date: day, count: sql<number>`COUNT(*)` }).from(images)
    .where(gte(images.createdAt, sql`CURRENT_DATE - INTERVAL ${DAYS - 1} DAY`))
    .groupBy(day)
  const counts = new Map(perDay.map(row => [row.date, Number(row.count)]))
  // today!: the one-row select always answers one row.
  const end = new Date(`${today!.today}T00:00:00Z`)
  const uploadsPerDay = Array.from({ length: DAYS }, (_, index) => {
    const date = new Date(end.getTime() - (DAYS - 1 - index) * 86_400_000).toISOString().slice(0, 10)
    return { date, count: counts.get(date) ?? 0 }
  })
  return {
    users: Number(userTotal?.n ?? 0),
    images: Number(imageTotal?.n ?? 0),
    bytes: Number(imageTotal?.bytes ?? 0),
    uploads_per_day: uploadsPerDay,
  }
}
