// Fails when docs/errors.md and the error catalog (packages/domain/src/errors.ts) disagree,
// so every code a user can see is documented and no documented code is stale.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ErrorCode } from '@sluice/domain';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
const documented = new Set([...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
const catalog = new Set(Object.values(ErrorCode));
const missing = [...catalog].filter((c) => !documented.has(c));
const stale = [...documented].filter((c) => c !== undefined && !catalog.has(c as ErrorCode));
if (missing.length > 0 || stale.length > 0) {
  if (missing.length) console.error(`docs/errors.md lacks: ${missing.join(', ')}`);
  if (stale.length) console.error(`docs/errors.md documents codes not in the catalog: ${stale.join(', ')}`);
  process.exit(1);
}
console.log(`check-error-docs: ok (${catalog.size} codes documented)`);
