// The CSV export neutralises cells a spreadsheet would run as formulas (OWASP CSV injection).
import { expect, it } from 'vitest';
import { toCsv } from './csv.ts';

it('prefixes a single quote to cells that start with = + - @ tab or carriage return', () => {
  const rows = [
    { name: '=HYPERLINK("https://evil.example","click")', email: '+1@x.example' },
    { name: '-2+3', email: '@SUM(A1)' },
    { name: '\tTAB', email: '\rCR' },
    { name: 'build-host = ok', email: 'a@b.example' },
  ];
  const lines = toCsv(rows).split('\r\n');
  expect(lines[0]).toBe('name,email');
  expect(lines[1]).toBe(`"'=HYPERLINK(""https://evil.example"",""click"")",'+1@x.example`);
  expect(lines[2]).toBe(`'-2+3,'@SUM(A1)`);
  expect(lines[3]).toBe(`'\tTAB,"'\rCR"`);
  expect(lines[4]).toBe('build-host = ok,a@b.example');
});

it('leaves numbers, empty cells and ordinary text as they are', () => {
  expect(toCsv([{ seats: 5, reseller: '', status: null, note: 'a, b' }])).toBe('seats,reseller,status,note\r\n5,,,"a, b"');
});
