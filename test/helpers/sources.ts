// The real interview documents, read the way the build reads them.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DocumentInput } from '../../src/bank/bank.ts';

export const SOURCES_DIR = fileURLToPath(new URL('../../questions/sources/', import.meta.url));
export const BANK_PATH = fileURLToPath(new URL('../../questions/bank.json', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function realDocuments(): DocumentInput[] {
  return readdirSync(SOURCES_DIR)
    .sort()
    .map((name) => ({ name, bytes: readFileSync(SOURCES_DIR + name) }));
}
