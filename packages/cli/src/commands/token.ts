import type { Command } from 'commander';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { TokenRole, TokenView } from '../api-calls.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { renderTable } from '../render/table.js';
import { formatDateTime } from '../render/time.js';

interface CreateOptions {
  readonly role: string;
  readonly service: string[];
  readonly scope: string[];
  readonly expires?: string;
  readonly output: OutputFormat;
}

const ROLES: readonly TokenRole[] = ['viewer', 'operator', 'admin'];

function roleOf(text: string): TokenRole {
  const role = ROLES.find((r) => r === text);
  if (role !== undefined) return role;
  throw new SluiceError(ErrorCode.INVALID_REQUEST, `--role: "${text}" is not a role`, { problems: [{ path: '--role', message: 'unknown role', found: text, expected: ROLES.join(', ') }] });
}

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

const when = (ms: number | null, none: string) => (ms === null ? none : formatDateTime(ms));

/** One row per token: what it may do, on what, and whether it still works. */
export function tokensTable(tokens: readonly TokenView[]): string[] {
  const rows = tokens.map((t) => [t.name, t.role, t.services.join(','), t.scopes.length === 0 ? 'all' : t.scopes.join(','), t.state, when(t.expiresAt, 'never'), when(t.lastUsedAt, '-'), t.createdBy]);
  return renderTable(['NAME', 'ROLE', 'SERVICES', 'SCOPES', 'STATE', 'EXPIRES', 'LAST USED', 'CREATED BY'], rows);
}

export function registerToken(program: Command, ctx: CommandContext): void {
  const token = program.command('token').alias('tokens').description('API tokens for a control plane run with --auth (admin): create, list, revoke');
  token
    .command('create')
    .description('make a token; it is printed once and never shown again')
    .argument('<name>', 'token name: lower-case letters, digits, ".", "_" and "-"; recorded as the actor of what the token does')
    .requiredOption('--role <role>', 'viewer (reads), operator (also promote, pause, abort, approve, flag switches) or admin (everything)')
    .option('--service <pattern>', 'only services matching this name or glob (e.g. payments-*), repeatable; default every service', collect, [])
    .option('--scope <scope>', 'only this resource family (rollouts, flags, experiments, resources, webhooks, events, metrics, tokens), repeatable; default all', collect, [])
    .option('--expires <duration>', 'expires after this long, e.g. 30d, 12h, 90m; default never')
    .addOption(outputOption())
    .action(async (name: string, options: CreateOptions) => {
      const created = await ctx.client().createToken({
        name,
        role: roleOf(options.role),
        ...(options.service.length > 0 ? { services: options.service } : {}),
        ...(options.scope.length > 0 ? { scopes: options.scope } : {}),
        ...(options.expires === undefined ? {} : { expiresIn: options.expires }),
      });
      writeLine(ctx.io.stderr, 'warning: this is the only time the token is shown: store it now (e.g. in your CI secrets); it cannot be read back');
      if (options.output === 'json') {
        writeLine(ctx.io.stdout, toJson(created));
        return;
      }
      writeLine(ctx.io.stdout, created.token);
      writeLine(ctx.io.stderr, `token ${created.name} created: role ${created.role}, services ${created.services.join(',')}, expires ${when(created.expiresAt, 'never')}`);
    });
  token
    .command('list', { isDefault: true })
    .description('every token: role, grants, state, expiry and last use (never the secret)')
    .addOption(outputOption())
    .action(async (options: { output: OutputFormat }) => {
      const tokens = await ctx.client().listTokens();
      if (options.output === 'json') writeLine(ctx.io.stdout, toJson({ items: tokens }));
      else if (tokens.length === 0) writeLine(ctx.io.stderr, 'No tokens.');
      else for (const line of tokensTable(tokens)) writeLine(ctx.io.stdout, line);
    });
  token
    .command('revoke')
    .description('revoke a token: it stops working at once')
    .argument('<name>', 'token name')
    .action(async (name: string) => {
      const revoked = await ctx.client().revokeToken(name);
      writeLine(ctx.io.stdout, `token ${revoked.name} revoked`);
    });
}
