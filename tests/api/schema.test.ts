import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../../api/schema/index.ts';

describe('api/schema.graphql', () => {
  it('matches the schema the code builds (regenerate with `npm run schema:print`)', () => {
    const checkedIn = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'api', 'schema.graphql'), 'utf8');
    expect(checkedIn).toBe(`${printedSchema()}\n`);
  });
});
