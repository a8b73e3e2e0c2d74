import { Option } from 'commander';

export type OutputFormat = 'json' | 'table';

/** `-o, --output json|table`, shared by the listing commands. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(['json', 'table']).default('table');
}

/** Machine output: stable, pretty-printed JSON on one block. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
