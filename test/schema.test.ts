import { readFileSync } from 'node:fs';
import { printSortedSchema } from '@slotkeeper/schema/sdl';
import { expect, it } from 'vitest';

it('the committed packages/schema/schema.graphql matches the schema (run `pnpm schema:print` after a change)', () => {
  const committed = readFileSync(new URL('../packages/schema/schema.graphql', import.meta.url), 'utf8');
  expect(printSortedSchema()).toBe(committed);
});

it('every mutation returns a union of one success type and error types implementing Error', () => {
  const sdl = printSortedSchema();
  const mutations = [...sdl.matchAll(/^ {2}(\w+)\(input: \w+!\): (\w+)!$/gm)];
  expect(mutations.map((m) => m[1])).toEqual(
    expect.arrayContaining(['activateMachine', 'deactivateMachine', 'renewToken', 'logIn', 'releaseActivation']),
  );
  for (const [, name, result] of mutations) {
    const union = new RegExp(`^union ${result} = (.+)$`, 'm').exec(sdl);
    expect(union, `${name} returns a union`).not.toBeNull();
    const members = union![1]!.split(' | ');
    expect(members.filter((m) => m.endsWith('Success')), name).toHaveLength(1);
    for (const member of members.filter((m) => !m.endsWith('Success'))) {
      expect(sdl, `${member} implements Error`).toMatch(new RegExp(`^type ${member} implements Error \\{`, 'm'));
    }
  }
});
