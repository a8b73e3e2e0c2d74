import Database from 'better-sqlite3';
import pg from 'pg';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { MetricProvider, MetricQuery, MetricResult, Reachability } from '../metric-provider.js';

export interface SqlProviderOptions {
  /** `postgres://user@host:5432/db` or `sqlite:/path/to/file.db`. */
  readonly url: string;
  /** Longest a query may run. Default 10 s. */
  readonly timeoutMs?: number;
}

/** A statement with `{{name}}` placeholders turned into bound parameters (never spliced into the SQL). */
export interface BoundStatement {
  readonly sql: string;
  readonly values: string[];
}

/**
 * `{{name}}` → a bound parameter ($1… for PostgreSQL, ? for SQLite) with the argument's value, so an
 * argument can never change the statement. Throws ADAPTER_FAILED naming an argument that is missing.
 */
export function bindPlaceholders(text: string, args: Readonly<Record<string, string>>, style: 'pg' | 'sqlite'): BoundStatement {
  const values: string[] = [];
  const sql = text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g, (_whole, name: string) => {
    const value = args[name];
    if (value === undefined) throw new SluiceError(ErrorCode.ADAPTER_FAILED, `sql: query "${text}" uses {{${name}}}, which no argument sets; expected args.${name}`);
    values.push(value);
    return style === 'pg' ? `$${values.length}` : '?';
  });
  return { sql, values };
}

/**
 * A number from SQL: the first column of the first row of a read-only query (failed orders in the last
 * minute, a queue's depth). No row or NULL is no data. PostgreSQL queries run in a READ ONLY
 * transaction with statement_timeout; SQLite files are opened read-only.
 */
export class SqlMetricProvider implements MetricProvider {
  readonly kind = 'sql';
  readonly #url: string;
  readonly #timeoutMs: number;

  constructor(options: SqlProviderOptions) {
    this.#url = options.url;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    if (!this.#url.startsWith('postgres://') && !this.#url.startsWith('postgresql://') && !this.#url.startsWith('sqlite:')) {
      throw new SluiceError(ErrorCode.INVALID_SPEC, `sql: database URL "${redact(this.#url)}" is not understood; expected postgres://… or sqlite:/path/file.db`);
    }
  }

  async measure(query: MetricQuery, signal?: AbortSignal): Promise<MetricResult> {
    signal?.throwIfAborted();
    const sqlite = this.#url.startsWith('sqlite:');
    const bound = bindPlaceholders(query.query, query.args, sqlite ? 'sqlite' : 'pg');
    const row = sqlite ? this.#sqliteRow(bound) : await this.#pgRow(bound, signal);
    const resolvedQuery = bound.values.length === 0 ? bound.sql : `${bound.sql} -- with ${JSON.stringify(bound.values)}`;
    const first = row === undefined ? undefined : Object.values(row)[0];
    if (first === undefined || first === null) return { kind: 'no-data', reason: row === undefined ? 'the query returned no row' : 'the first column is NULL', resolvedQuery };
    const value = typeof first === 'number' ? first : typeof first === 'bigint' ? Number(first) : typeof first === 'string' && first.trim() !== '' ? Number(first) : Number.NaN;
    if (!Number.isFinite(value)) throw new SluiceError(ErrorCode.ADAPTER_FAILED, `sql: query "${bound.sql}" returned ${JSON.stringify(String(first)).slice(0, 80)}; expected a number in the first column`);
    return { kind: 'value', value, resolvedQuery };
  }

  async reachable(signal?: AbortSignal): Promise<Reachability> {
    try {
      await this.measure({ query: 'select 1', args: {}, fromMs: 0, toMs: 0 }, signal);
      return { ok: true, detail: `sql: ${redact(this.#url)} answers` };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  #sqliteRow(bound: BoundStatement): Record<string, unknown> | undefined {
    const file = this.#url.slice('sqlite:'.length);
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true, timeout: this.#timeoutMs });
      return db.prepare(bound.sql).get(...bound.values) as Record<string, unknown> | undefined;
    } catch (error) {
      const code = db === undefined ? ErrorCode.UNREACHABLE : ErrorCode.ADAPTER_FAILED;
      throw new SluiceError(code, `sql: query "${bound.sql}" on ${file} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      db?.close();
    }
  }

  async #pgRow(bound: BoundStatement, signal?: AbortSignal): Promise<Record<string, unknown> | undefined> {
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: this.#timeoutMs, statement_timeout: this.#timeoutMs });
    client.on('error', () => undefined);
    const onAbort = (): void => void client.end().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await client.connect().catch((error: unknown) => {
        throw new SluiceError(ErrorCode.UNREACHABLE, `sql: cannot connect to ${redact(this.#url)} for query "${bound.sql}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      await client.query('begin read only');
      const result = await client.query(bound.sql, bound.values);
      await client.query('rollback');
      return result.rows[0] as Record<string, unknown> | undefined;
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      signal?.throwIfAborted();
      throw new SluiceError(ErrorCode.ADAPTER_FAILED, `sql: query "${bound.sql}" failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await client.end().catch(() => undefined);
    }
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  // Everything between // and the last @ of the authority may hold the password, even an unencoded @.
  return url.replace(/\/\/([^:@/]*)(:[^/]*)?@(?=[^@/]*(\/|$))/, (_, user: string, secret?: string) => `//${user}${secret === undefined ? '' : ':***'}@`);
}
