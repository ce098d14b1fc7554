import { buildDecisionLinks } from '../../functions/commons/decision-links';
import { realisticTaskToken } from '../support/fixtures';

/** How API Gateway REST reads a query-string value: percent-decoding, `+` as a space. */
const apiGatewayDecode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '));

describe('buildDecisionLinks', () => {
  const token = realisticTaskToken(900);

  it('uses a realistic 900-character token holding + / =', () => {
    expect(token).toHaveLength(900);
    expect(token).toMatch(/\+/);
    expect(token).toMatch(/\//);
    expect(token).toMatch(/=$/);
  });

  it('builds /succeed and /fail links whose token decodes back to the exact original', () => {
    const { approveUrl, rejectUrl } = buildDecisionLinks('https://abc.execute-api.us-east-1.amazonaws.com/respond/', token);

    expect(approveUrl.startsWith('https://abc.execute-api.us-east-1.amazonaws.com/respond/succeed?taskToken=')).toBe(true);
    expect(rejectUrl.startsWith('https://abc.execute-api.us-east-1.amazonaws.com/respond/fail?taskToken=')).toBe(true);
    for (const url of [approveUrl, rejectUrl]) {
      const raw = url.slice(url.indexOf('taskToken=') + 'taskToken='.length);
      expect(raw).not.toMatch(/[+/=]/);
      expect(apiGatewayDecode(raw)).toBe(token);
      expect(new URL(url).searchParams.get('taskToken')).toBe(token);
    }
  });

  it('does not double the slash when the API URL has none or several at the end', () => {
    expect(buildDecisionLinks('http://127.0.0.1:3000/respond', 'abc').approveUrl).toBe(
      'http://127.0.0.1:3000/respond/succeed?taskToken=abc',
    );
    expect(buildDecisionLinks('http://127.0.0.1:3000/respond//', 'abc').rejectUrl).toBe('http://127.0.0.1:3000/respond/fail?taskToken=abc');
  });

  it('carries the token and nothing else: a link holder could change anything else it carried', () => {
    const { approveUrl, rejectUrl } = buildDecisionLinks('https://abc.execute-api.us-east-1.amazonaws.com/respond', 'AQC+tok/en==');

    expect(approveUrl).toBe('https://abc.execute-api.us-east-1.amazonaws.com/respond/succeed?taskToken=AQC%2Btok%2Fen%3D%3D');
    expect(rejectUrl).toBe('https://abc.execute-api.us-east-1.amazonaws.com/respond/fail?taskToken=AQC%2Btok%2Fen%3D%3D');
  });
});
