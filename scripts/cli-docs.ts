// Writes docs/options.md from the option records and the commands (scripts/options-page.ts):
// `npx tsx scripts/cli-docs.ts`, or `npm run docs`. test/docs/options-page.test.ts fails when
// the committed page differs from what this writes.
import { writeFileSync } from 'node:fs';
import { optionsPage } from './options-page.js';

const path = new URL('../docs/options.md', import.meta.url);
writeFileSync(path, optionsPage());
console.log('docs/options.md written');
