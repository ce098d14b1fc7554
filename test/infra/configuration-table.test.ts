import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { APPROVAL_SETTINGS, readApprovalConfig, type Setting, type SettingName } from '../../infra/approval-config';

/**
 * The README documents the settings by hand; APPROVAL_SETTINGS is where they live. These tests
 * fail when one changes and the other does not.
 */

interface ReadmeRow {
  readonly name: string;
  readonly defaultCell: string;
  readonly meaning: string;
}

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The rows of the first table under `## Configuration`. */
function configurationTableRows(markdown: string): ReadmeRow[] {
  const section = /^## Configuration\n([\s\S]*?)(?=^## )/m.exec(markdown)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Configuration" section');
  const tableLines = /^\|.*\|\n\|[-| ]+\|\n((?:\|.*\|\n)+)/m.exec(section)?.[1];
  if (tableLines === undefined) throw new Error('The "## Configuration" section of README.md has no table');
  return tableLines
    .trimEnd()
    .split('\n')
    .map((line) => {
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim());
      const [nameCell = '', defaultCell = '', meaning = ''] = cells;
      const name = /^`([^`]+)`$/.exec(nameCell)?.[1];
      if (name === undefined || cells.length !== 3) throw new Error(`Cannot read this row of the configuration table: ${line}`);
      return { name, defaultCell, meaning };
    });
}

const rows = configurationTableRows(README);
const settings = Object.entries(APPROVAL_SETTINGS) as Array<[SettingName, Setting]>;
const settingOf = (row: ReadmeRow): Setting | undefined => (APPROVAL_SETTINGS as Readonly<Record<string, Setting>>)[row.name];
const firstBackticked = (text: string): string | undefined => /`([^`]*)`/.exec(text)?.[1];
/** A range as the README writes it: "1 to 31,536,000". */
const statedRange = (row: ReadmeRow): { min: number; max: number } | undefined => {
  const match = /(\d[\d,]*) to (\d[\d,]*)/.exec(row.meaning);
  return match ? { min: Number(match[1]?.replace(/,/g, '')), max: Number(match[2]?.replace(/,/g, '')) } : undefined;
};
const named = (selected: ReadmeRow[]): Array<[string, ReadmeRow]> => selected.map((row) => [row.name, row]);

describe('the README configuration table', () => {
  it('lists every setting of APPROVAL_SETTINGS, once, and no other', () => {
    const names = rows.map((row) => row.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(settings.map(([name]) => name).sort());
  });

  it.each(named(rows))('%s: the default column shows the default the code uses', (_name, row) => {
    const setting = settingOf(row);
    expect(setting).toBeDefined();
    if (setting?.default === undefined) {
      // A setting without a default says so, and shows no value.
      expect(row.defaultCell).toMatch(/\bnone\b/);
      expect(firstBackticked(row.defaultCell)).toBeUndefined();
    } else {
      expect(firstBackticked(row.defaultCell)).toBe(String(setting.default));
    }
  });

  it.each(named(rows.filter((row) => statedRange(row) !== undefined)))(
    '%s: the range it states is the one the code accepts',
    (_name, row) => {
      const setting = settingOf(row);
      expect(setting?.kind).toBe('integer');
      if (setting?.kind === 'integer') expect(statedRange(row)).toEqual({ min: setting.min, max: setting.max });
    },
  );

  it.each(named(rows.filter((row) => settingOf(row)?.kind === 'choice')))('%s: names every value the code accepts', (_name, row) => {
    const setting = settingOf(row);
    for (const value of setting?.kind === 'choice' ? setting.values : []) expect(row.meaning).toContain(`\`${value}\``);
  });
});

describe('APPROVAL_SETTINGS', () => {
  it('is what readApprovalConfig reads: with nothing set, every setting but stackName has its default', () => {
    const defaults = Object.fromEntries(
      settings.filter(([name]) => name !== 'stackName').map(([name, setting]) => [name, setting.default]),
    );

    expect(readApprovalConfig(() => undefined)).toEqual(defaults);
  });

  it.each(settings.filter(([, setting]) => setting.kind === 'integer'))('%s: its default lies in its range', (_name, setting) => {
    if (setting.kind !== 'integer') throw new Error(`${_name} is not a whole-number setting`);
    expect(setting.default).toBeGreaterThanOrEqual(setting.min);
    expect(setting.default).toBeLessThanOrEqual(setting.max);
  });
});
