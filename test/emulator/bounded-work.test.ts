import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { formDecisionRequestTemplate } from '../../infra/approval-api-templates';
import { MappingTemplateError } from '../../local/api-gateway/vtl/errors';
import { MappingTemplateThread, MappingTemplateThreadError } from '../../local/api-gateway/vtl/mapping-template-thread';
import { renderMappingTemplate } from '../../local/api-gateway/vtl/render-mapping-template';
import type { ApiGatewayRequestContext } from '../../local/api-gateway/vtl/request-context';
import { approvalOutput, linksOf, open, type Page, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { rawRequest, uploadWithoutWaiting } from '../support/raw-http';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(90_000);

const FORM = 'application/x-www-form-urlencoded';
/** API Gateway's payload limit for REST APIs (Amazon API Gateway quotas, "Payload size"). */
const PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
/** The number: another port answers within half a second while a large request is handled. */
const OTHER_PORT_ANSWERS_WITHIN_MS = 500;

/** A form body of more than 5 MB: about 1.3 million fields besides the ones given, before or after them. */
function fiveMegabyteForm(fields: Record<string, string>, where: 'first' | 'last'): string {
  const given = new URLSearchParams(fields).toString();
  const filler = 'a=b&'.repeat(1_320_000);
  return where === 'first' ? `${given}&${filler}` : `${filler}${given}`;
}

/**
 * Runs `work` while another port is asked for a page again and again, and gives the longest any
 * request to that port could have waited for an answer: the longest time between consecutive answers
 * (from the start of `work` to the first answer after it ended), which includes the 20 ms pauses.
 */
async function whileAnotherPortAnswers<T>(otherPortUrl: string, work: () => Promise<T>): Promise<{ result: T; longestWaitMs: number }> {
  let done = false;
  let answeredAfterDone = false;
  const answers: number[] = [performance.now()];
  const probing = (async () => {
    while (!answeredAfterDone) {
      const finished = done;
      await fetch(otherPortUrl).then((answer) => answer.arrayBuffer());
      answers.push(performance.now());
      answeredAfterDone = finished;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  let result: T;
  try {
    result = await work();
  } finally {
    done = true;
  }
  await probing;
  const longestWaitMs = Math.max(...answers.slice(1).map((at, i) => at - (answers[i] ?? at)));
  return { result, longestWaitMs };
}

function tokenOf(link: string): string {
  const token = new URL(link).searchParams.get('taskToken');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

function postForm(url: string, body: string): Promise<Page> {
  return open(url, { method: 'POST', headers: { 'content-type': FORM }, body });
}

describe('work per request is bounded, and the stack answers while a large request is handled', () => {
  const local = useLocalStack({ context: { linkMode: 'confirm' } });

  it('a 5 MB confirm-mode form decides by its first field, and the inbox port answers within half a second meanwhile', async () => {
    const manager = uniqueManager('large-form');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Ann' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve } = linksOf(email!);
    const body = fiveMegabyteForm({ taskToken: tokenOf(approve), comment: 'Checked, with a long form' }, 'first');
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);

    const { result: page, longestWaitMs } = await whileAnotherPortAnswers(`${local.stack.sesUrl}/`, () =>
      postForm(`${local.stack.apiUrl}/succeed`, body),
    );

    expect(page).toMatchObject({ status: 200, title: 'Approved' });
    const execution = await waitForEnd(local.sfn, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(approvalOutput(execution).approval.decision).toMatchObject({ decision: 'approved', comment: 'Checked, with a long form' });
    expect(longestWaitMs).toBeLessThan(OTHER_PORT_ANSWERS_WITHIN_MS);
  });

  it('a token after the 1,000th form field is not read, as API Gateway stops the loop there: nothing is decided', async () => {
    const manager = uniqueManager('token-too-far');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Bob' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve } = linksOf(email!);
    const token = tokenOf(approve);

    const { result: page, longestWaitMs } = await whileAnotherPortAnswers(`${local.stack.sesUrl}/`, () =>
      postForm(`${local.stack.apiUrl}/succeed`, fiveMegabyteForm({ taskToken: token }, 'last')),
    );

    expect(page).toMatchObject({ status: 400, title: 'This link is not valid' });
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    expect(longestWaitMs).toBeLessThan(OTHER_PORT_ANSWERS_WITHIN_MS);
    // The token itself was good: the same link, posted as a browser does, decides.
    expect(await postForm(`${local.stack.apiUrl}/succeed`, new URLSearchParams({ taskToken: token }).toString())).toMatchObject({
      status: 200,
      title: 'Approved',
    });
    expect((await waitForEnd(local.sfn, executionArn)).status).toBe('SUCCEEDED');
  });

  it('a body announced larger than 10 MB is answered 413 at once, before it is sent, and the connection ended', async () => {
    const { port, host } = new URL(local.stack.apiUrl);
    const head = [
      'POST /respond/succeed HTTP/1.1',
      `Host: ${host}`,
      `Content-Type: ${FORM}`,
      `Content-Length: ${PAYLOAD_LIMIT_BYTES + 1}`,
      '',
      '',
    ].join('\r\n');

    // Only the headers and the first kilobyte are ever sent; the server must not wait for the rest.
    const answer = await rawRequest(Number(port), `${head}taskToken=${'x'.repeat(1024)}`, { waitMs: 10_000 });

    // rawRequest answers once the server has ended the connection (undefined had it kept waiting).
    expect(answer?.status).toBe(413);
  });

  it('a body that grows past 10 MB is answered 413 and read no further, however the client goes on sending', async () => {
    const { port, host } = new URL(local.stack.apiUrl);
    const offered = 64 * 1024 * 1024;
    // No Content-Length: the body comes chunked, so only its size so far tells the server anything.
    const head = `POST /respond/succeed HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${FORM}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const outcome = await uploadWithoutWaiting(Number(port), head, offered, 60_000);

    expect(outcome.answer).toMatch(/^HTTP\/1\.1 413 /);
    // The limit, plus what socket buffers hold on the way; never the whole body.
    expect(outcome.sentWhenClosed).toBeLessThan(2 * PAYLOAD_LIMIT_BYTES);
  });
});

describe('the render thread that maps large bodies', () => {
  const thread = new MappingTemplateThread();
  const request: ApiGatewayRequestContext = {
    queryString: {},
    headers: { 'content-type': FORM },
    sourceIp: '127.0.0.1',
    userAgent: 'Mozilla/5.0',
    requestId: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
    extendedRequestId: 'Tk3aBcDEFgHiJkL=',
    requestTime: '21/Nov/2026:09:15:03 +0000',
    requestTimeEpoch: Date.UTC(2026, 10, 21, 9, 15, 3),
    httpMethod: 'POST',
    resourcePath: '/succeed',
    stage: 'respond',
  };

  afterAll(() => thread.close());

  it('renders what the renderer renders in-process, and fails as it does', async () => {
    const template = formDecisionRequestTemplate('approved');
    const body = fiveMegabyteForm({ taskToken: 'AQC+/== it\'s "quoted" </script>', comment: 'Ça va 😀' }, 'first');

    expect(await thread.render(template, { request, body })).toEqual(renderMappingTemplate(template, { request, body }));
    await expect(thread.render("$util.urlDecode('%zz')", { request })).rejects.toBeInstanceOf(MappingTemplateError);
  });

  it('fails the renders still under way when it is closed, and starts again on the next one', async () => {
    const slow = thread.render('#foreach($i in [1..1000])#foreach($j in [1..1000])#end#end', { request });
    await thread.close();

    await expect(slow).rejects.toBeInstanceOf(MappingTemplateThreadError);
    expect((await thread.render('$context.httpMethod', { request })).output).toBe('POST');
  });
});
