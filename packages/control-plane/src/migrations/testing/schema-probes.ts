import type pg from 'pg';

/** The columns of `table`, in order. */
export async function columnsOf(pool: pg.Pool, table = 'orders'): Promise<string[]> {
  const { rows } = await pool.query(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [table]);
  return rows.map((r: { column_name: string }) => r.column_name);
}

/** Column name, type and nullability of `table`: what "the schema is as before" compares. */
export async function schemaOf(pool: pg.Pool, table = 'orders'): Promise<unknown[]> {
  const { rows } = await pool.query(`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [table]);
  return rows;
}

/** User triggers plus Sluice's sync functions: 0 once contract or down removed the dual write. */
export async function syncObjects(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query(`SELECT (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal) + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'sluice_%') AS n`);
  return Number(rows[0].n);
}
