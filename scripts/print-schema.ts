/** `npm run schema:print`: write api/schema.graphql from the code. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printedSchema } from '../api/schema/index.ts';

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'api', 'schema.graphql');
fs.writeFileSync(file, `${printedSchema()}\n`);
console.log(`Wrote ${file}`);
