import fc from 'fast-check';
import { type ApiModel, routeFor } from '../../local/api-gateway/api-model';
import { javaMatches, javaReplace, javaSplit } from '../../local/api-gateway/vtl/java-regex';
import { parseQueryString } from '../../local/api-gateway/vtl/query-string';
import { renderMappingTemplate } from '../../local/api-gateway/vtl/render-mapping-template';
import type { ApiGatewayRequestContext } from '../../local/api-gateway/vtl/request-context';
import { UTIL } from '../../local/api-gateway/vtl/util-variable';
import { MAX_FOREACH_ITERATIONS, renderVelocity } from '../../local/api-gateway/vtl/velocity-engine';
import { synthApiModel } from '../support/synth';

// The work a mapping template may do per request is bounded as API Gateway bounds it: a #foreach
// stops after 1,000 iterations ("Number of iterations in a #foreach ... #end loop in mapping
// templates", Amazon API Gateway quotas for REST APIs), the body is at most 10 MB, and the renderer's
// Java methods cost time in proportion to their input.

const FORM = 'application/x-www-form-urlencoded';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAcJ+Hn0Xr/4kU7z9yq5wL1m8pQ2T3dF6=';

function context(): ApiGatewayRequestContext {
  return {
    queryString: parseQueryString(''),
    headers: { 'Content-Type': FORM },
    sourceIp: '203.0.113.42',
    userAgent: 'Mozilla/5.0',
    requestId: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
    extendedRequestId: 'Tk3aBcDEFgHiJkL=',
    requestTime: '21/Nov/2026:09:15:03 +0000',
    requestTimeEpoch: Date.UTC(2026, 10, 21, 9, 15, 3),
    httpMethod: 'POST',
    resourcePath: '/succeed',
    stage: 'respond',
  };
}

let model: ApiModel;

beforeAll(() => {
  model = synthApiModel({ linkMode: 'confirm' });
});

/** The SendTaskSuccess body the confirm-mode POST /succeed template makes of a form body. */
function renderForm(body: string): { taskToken: string; output: string } {
  const template = routeFor(model, 'POST', '/succeed')?.requestTemplates[FORM];
  if (!template) throw new Error('no form request template');
  return JSON.parse(renderMappingTemplate(template, { request: context(), body }).output) as { taskToken: string; output: string };
}

/** `count` form fields that are neither the token nor the comment. */
function otherFields(count: number): string {
  return Array.from({ length: count }, (_, i) => `field${i}=value${i}`).join('&');
}

describe('#foreach stops after 1,000 iterations, as in API Gateway', () => {
  const counting = '#set($n = 0)#foreach($item in $list)#set($n = $n + 1)#set($last = $item)#end$n $last after';

  it('walks the first 1,000 items of a longer list, then renders the rest of the template', () => {
    const list = Array.from({ length: 1500 }, (_, i) => i + 1);

    expect(renderVelocity(counting, { list })).toBe('1000 1000 after');
    expect(renderVelocity(counting, { list: list.slice(0, 1000) })).toBe('1000 1000 after');
    expect(renderVelocity(counting, { list: list.slice(0, 999) })).toBe('999 999 after');
    expect(MAX_FOREACH_ITERATIONS).toBe(1000);
  });

  it('walks the first 1,000 values of a larger map', () => {
    const map = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`key${i}`, i]));

    expect(renderVelocity(counting, { list: map })).toBe('1000 999 after');
  });

  it('walks the first 1,000 parts of a split, whatever the text holds after them', () => {
    const parts = (text: string) =>
      renderVelocity("#set($n = 0)#foreach($part in $text.split('&'))#set($n = $n + 1)#set($last = $part)#end$n $last", { text });

    expect(parts(otherFields(5000))).toBe('1000 field999=value999');
    // Java's split drops trailing empty strings; only what is left is walked.
    expect(parts(`${otherFields(10)}${'&'.repeat(5000)}`)).toBe('10 field9=value9');
    expect(parts(`${otherFields(10)}${'&'.repeat(5000)}x`)).toBe('1000 ');
  });

  it('in confirm mode, reads the token when it is among the first 1,000 form fields, and ignores it after them', () => {
    const first = renderForm(`taskToken=${encodeURIComponent(TOKEN)}&comment=ok&${otherFields(100_000)}`);
    const thousandth = renderForm(`${otherFields(999)}&taskToken=${encodeURIComponent(TOKEN)}`);
    const beyond = renderForm(`${otherFields(1000)}&taskToken=${encodeURIComponent(TOKEN)}`);

    expect(first.taskToken).toBe(TOKEN);
    expect(JSON.parse(first.output)).toMatchObject({ decision: 'approved', comment: 'ok' });
    expect(thousandth.taskToken).toBe(TOKEN);
    expect(beyond.taskToken).toBe('');
  });

  it('maps a 5 MB form body of a million fields in well under the seconds it once took', () => {
    const body = `taskToken=${encodeURIComponent(TOKEN)}&${'a=b&'.repeat(1_320_000)}`;
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);

    const started = performance.now();
    const rendered = renderForm(body);
    const elapsedMs = performance.now() - started;

    expect(rendered.taskToken).toBe(TOKEN);
    // About 20 ms here once warm (the loop is bounded); it was 12 s before the bound. The limit leaves
    // room for a loaded machine.
    expect(elapsedMs).toBeLessThan(3_000);
  });
});

describe('the fast paths for large input give what the general ones give', () => {
  const text = fc.string({ unit: fc.constantFrom('a', 'b', '&', ',', ' ', '\n', '$', '\\', "'", '%', 'é', '😀', '\ud83d'), maxLength: 24 });
  // Plain-text patterns take the fast paths; `(?:...)` around the same pattern takes the regex engine.
  const plainPattern = fc.constantFrom('&', ',', 'a', 'aa', '&&', 'a&', '\\|', '\\.', "\\\\'", '\\\\', "'", '😀');
  const runs = { numRuns: 500 };

  it('split: a plain-text separator, and only the first parts when a #foreach asks for no more', () => {
    fc.assert(
      fc.property(
        text,
        plainPattern,
        fc.integer({ min: -1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        (input, pattern, limit, maxParts) => {
          const general = javaSplit(input, `(?:${pattern})`, limit);
          expect(javaSplit(input, pattern, limit)).toEqual(general);
          expect(javaSplit(input, pattern, limit, maxParts)).toEqual(general.slice(0, maxParts));
        },
      ),
      runs,
    );
  });

  it('replaceAll and replaceFirst with plain text', () => {
    const replacement = fc.constantFrom('', 'X', "'", '&amp;', '\\$', '$0', 'é', '😀');
    fc.assert(
      fc.property(text, plainPattern, replacement, fc.boolean(), (input, pattern, by, all) => {
        expect(javaReplace(input, pattern, by, all)).toBe(javaReplace(input, `(?:${pattern})`, by, all));
      }),
      runs,
    );
  });

  it('matches of `(?s).*X.*` is a search for X', () => {
    const middle = fc.constantFrom('%(?![0-9A-Fa-f]{2})', 'a', 'a|b', '(a|b)', '\\|', '^a', 'a$', '(?<=a)b', '\\Qa|b\\E', '', '.');
    const input = fc.string({ unit: fc.constantFrom('a', 'b', '%', '4', 'g', '\n', '|'), maxLength: 12 });
    fc.assert(
      fc.property(input, middle, (subject, x) => {
        expect(javaMatches(subject, `(?s).*${x}.*`)).toBe(javaMatches(subject, `(?s)(?:.*${x}.*)`));
      }),
      runs,
    );
  });

  it('$util.urlDecode and $util.escapeJavaScript, against the Java behaviour written out character by character', () => {
    const shortEscapes: Readonly<Record<string, string>> = {
      '\b': '\\b',
      '\f': '\\f',
      '\n': '\\n',
      '\r': '\\r',
      '\t': '\\t',
      "'": "\\'",
      '"': '\\"',
      '\\': '\\\\',
      '/': '\\/',
    };
    const escapeByCharacter = (value: string): string =>
      value
        .split('')
        .map((char) => {
          const code = char.charCodeAt(0);
          return shortEscapes[char] ?? (code < 0x20 || code > 0x7f ? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}` : char);
        })
        .join('');
    const decodeByByte = (value: string): string => {
      let out = '';
      let bytes: number[] = [];
      for (let i = 0; i < value.length; i++) {
        if (value[i] === '%') {
          bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
          i += 2;
          continue;
        }
        out += Buffer.from(bytes).toString('utf8') + (value[i] === '+' ? ' ' : value[i]);
        bytes = [];
      }
      return out + Buffer.from(bytes).toString('utf8');
    };
    const encoded = fc.string({
      unit: fc.constantFrom('a', '+', '%41', '%C3%A9', '%E2%82', '%AC', '%F0%9F%98%80', '%FF', 'é'),
      maxLength: 12,
    });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), encoded, (raw, form) => {
        expect(UTIL.escapeJavaScript(raw)).toBe(escapeByCharacter(raw));
        expect(UTIL.urlDecode(form)).toBe(decodeByByte(form));
      }),
      runs,
    );
  });
});
