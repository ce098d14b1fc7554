import { fetchStoredEmails } from '../../local/ses/stored-emails';
import { type LocalStack, startLocalStack } from '../../local/index';
import { testAssembly } from '../support/assemblies';
import { linksOf, open, sfnClientFor, startApproval, uniqueManager, waitForEmails } from '../support/local-flow';

jest.setTimeout(90_000);

/** What the README's "Local mode" says of a restart: pending requests are lost, and their links say "not valid". */
describe('a restart of the local stack', () => {
  const stacks: LocalStack[] = [];
  afterAll(async () => {
    for (const stack of stacks) await stack.close();
  });
  const started = async (): Promise<LocalStack> => {
    const stack = await startLocalStack({ assemblyDir: testAssembly(), ports: { api: 0, ses: 0, stepFunctions: 0 } });
    stacks.push(stack);
    return stack;
  };

  it('loses the requests still waiting, and the links of their emails open "This link is not valid"', async () => {
    const before = await started();
    const sfn = sfnClientFor(before);
    const manager = uniqueManager('before-restart');
    await startApproval(sfn, before, { managerEmailAddress: manager, employeeName: 'Ann' });
    const [email] = await waitForEmails(before, manager);
    const { approve, reject } = linksOf(email!);
    sfn.destroy();
    await before.close();

    const after = await started();
    // The same links, on the API of the stack started in its place (its port may differ here).
    const onNewStack = (link: string): string => {
      const url = new URL(link);
      return `${after.apiUrl}${url.pathname.replace(/^\/respond/, '')}${url.search}`;
    };
    const pages = [await open(onNewStack(approve)), await open(onNewStack(reject))];

    expect(pages.map((page) => [page.status, page.title])).toEqual([
      [400, 'This link is not valid'],
      [400, 'This link is not valid'],
    ]);
    expect(await fetchStoredEmails(after.sesUrl)).toEqual([]);
  });
});
