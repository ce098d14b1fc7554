import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from '@jest/globals';
import {
  APPROVAL_CHANNELS,
  DEFAULT_VIA,
  MAX_APPROVERS,
  MAX_DETAIL_KEY_LENGTH,
  MAX_DETAIL_VALUE_LENGTH,
  MAX_DETAILS,
  MAX_SUBJECT_LENGTH,
} from '../../functions/commons/approval-request';

/** The README states the request's limits by hand; approval-request.ts is where they live. */

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The rule cell of the request table's row for `field`. */
function ruleOf(field: string): string {
  const row = new RegExp(`^\\| \`${field}\` \\| (?:yes|no) \\| (.*) \\|$`, 'm').exec(README);
  if (row?.[1] === undefined) throw new Error(`README.md has no request table row for ${field}`);
  return row[1];
}

const written = (limit: number): string => limit.toLocaleString('en-US');

describe('the README request table', () => {
  it('states the limits the request check applies', () => {
    expect(ruleOf('approvers')).toContain(`1 to ${written(MAX_APPROVERS)} distinct`);
    expect(ruleOf('subject')).toContain(`1 to ${written(MAX_SUBJECT_LENGTH)} characters`);
    expect(ruleOf('details')).toContain(`at most ${written(MAX_DETAILS)} entries`);
    expect(ruleOf('details')).toContain(`keys up to ${written(MAX_DETAIL_KEY_LENGTH)} characters`);
    expect(ruleOf('details')).toContain(`values up to ${written(MAX_DETAIL_VALUE_LENGTH)}`);
  });

  it('states the channels via accepts and its default', () => {
    for (const channel of APPROVAL_CHANNELS) expect(ruleOf('via')).toContain(`"${channel}"`);
    expect(ruleOf('via')).toContain(`\`${JSON.stringify(DEFAULT_VIA)}\` (default)`);
    expect(ruleOf('via')).toContain("`slack` needs the deployment's Slack app");
  });
});
