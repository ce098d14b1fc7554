import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Top-level entries a path in the README may start with. */
const TOP_LEVEL = /^(infra|functions|statemachine|local|cli|test|bench|examples|tools|docs|patches|\.ci)\/[\w\-./*]*$/;
const ROOT_FILES =
  /^(package\.json|package-lock\.json|cdk\.json|tsconfig(\.lib)?\.json|\.nvmrc|jest(\.\w+)?\.config\.js|eslint\.config\.mjs|LICENSE|SECURITY\.md)$/;

/** Output the README describes, which a fresh clone does not have yet. */
const GENERATED = /^(bench\/results\/|dist\/|cdk\.out)/;

/** Every `code` span of the README that names a file or folder of this repository. */
function codeSpanPaths(markdown: string): string[] {
  const spans = [...markdown.matchAll(/`([^`\s]+)`/g)].map((match) => match[1] ?? '');
  return spans
    .map((span) => span.replace(/[),.:;]+$/, ''))
    .filter((span) => (TOP_LEVEL.test(span) || ROOT_FILES.test(span)) && !GENERATED.test(span));
}

/**
 * The paths of the "## Layout" tree: one entry per line, indented under its folder, e.g.
 * `infra/` then `  constructs/` is infra/constructs/. A line may name several files, comma-separated.
 */
function layoutTreePaths(markdown: string): string[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Layout'));
  const tree = /```text\n([\s\S]*?)```/.exec(section ?? '')?.[1];
  if (tree === undefined) throw new Error('README.md has no "## Layout" section with a ```text tree');
  const paths: string[] = [];
  const parents: Array<{ indent: number; folder: string }> = [];
  for (const line of tree.split('\n')) {
    const match = /^( *)([^\s,]+(?:, [^\s,]+)*)/.exec(line);
    if (!match?.[2] || !/[/.]/.test(match[2].split(', ')[0] ?? '')) continue;
    const indent = match[1]?.length ?? 0;
    while (parents.length > 0 && (parents.at(-1)?.indent ?? 0) >= indent) parents.pop();
    const base = parents.map(({ folder }) => folder).join('');
    const names = match[2].split(', ');
    for (const name of names) paths.push(`${base}${name}`);
    if (names.length === 1 && names[0]?.endsWith('/')) parents.push({ indent, folder: names[0] });
  }
  return paths;
}

describe('the paths the README names', () => {
  const layout = layoutTreePaths(README);

  it('include the whole layout tree, each part of it', () => {
    expect(layout).toEqual(expect.arrayContaining(['infra/', 'functions/', 'statemachine/', 'local/', 'cli/', 'test/', 'tools/']));
  });

  it.each([...new Set([...layout, ...codeSpanPaths(README)])])('%s exists', (name) => {
    // A pattern such as `test/integ/*.snapshot/` names at least one existing file.
    const path = name.includes('*') ? name.slice(0, name.indexOf('*')) : name;
    expect(existsSync(join(ROOT, path))).toBe(true);
  });
});
