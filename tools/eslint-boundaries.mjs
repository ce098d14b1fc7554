// The boundaries between the parts of this repository, as an ESLint rule: each part may import
// only what its row allows. `npm run lint` applies it (eslint.config.mjs); test/unit/boundaries.test.ts
// shows that it fails on a deliberate violation. The README's "Layout" section explains the parts.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Packages of this repository, by the workspace folder they are made from. */
const LOCAL_PACKAGE = 'stepfunctions-human-approval-local';
/** Parts inside that package, which may name its files. */
const OWN_PACKAGE_PARTS = ['local/'];

/**
 * For each part (a folder), the folders of this repository it must not import from, and the npm
 * packages it must not import. `except` lists single files a forbidden folder may still give.
 * A relative import is resolved against the importing file first, so `../../infra/x` is caught
 * wherever it is written.
 */
export const BOUNDARIES = [
  {
    part: 'functions/',
    why: 'Lambda code never imports CDK, the emulator, the CLI or the examples',
    folders: ['infra/', 'local/', 'cli/', 'examples/', 'bench/', 'test/', 'tools/'],
    packages: ['aws-cdk-lib', 'constructs', LOCAL_PACKAGE],
  },
  {
    part: 'statemachine/',
    why: 'the state machine definition knows nothing of the code around it',
    folders: ['infra/', 'functions/', 'local/', 'cli/', 'examples/', 'bench/', 'test/', 'tools/'],
    packages: [LOCAL_PACKAGE],
  },
  {
    part: 'infra/',
    why: 'the stack knows nothing of the emulator, the CLI or the examples',
    folders: ['local/', 'cli/', 'examples/', 'bench/', 'test/', 'tools/'],
    packages: [LOCAL_PACKAGE],
  },
  {
    part: 'local/',
    why: 'the emulator takes a synthesized template: nothing from our CDK code, Lambda code, examples or CLI',
    folders: ['infra/', 'functions/', 'cli/', 'examples/', 'bench/', 'test/', 'tools/', 'statemachine/'],
    // Step Functions' own limits (names, causes), which the emulator enforces as the service does;
    // the Slack contract (button, block and modal ids), against which the Slack stand-in plays clicks.
    except: ['statemachine/step-functions-limits.ts', 'functions/commons/slack-contract.ts'],
    packages: ['aws-cdk-lib', 'constructs'],
  },
  {
    part: 'cli/',
    why: 'the CLI reaches the emulator only through its package entry (and then through its endpoints)',
    folders: ['local/', 'examples/', 'bench/', 'test/', 'tools/'],
    packages: ['aws-cdk-lib', 'constructs'],
  },
  {
    part: 'bench/',
    why: 'the benchmark uses the emulator through its package entry, and no test helper',
    folders: ['local/', 'test/', 'cli/'],
    packages: [],
  },
  {
    part: 'examples/',
    why: 'the examples use the construct library as a team would',
    folders: ['local/', 'cli/', 'bench/', 'test/'],
    packages: [],
  },
];

/** The repository path an import names, or undefined for a package. */
function repositoryPath(specifier, filename) {
  if (!specifier.startsWith('.')) return undefined;
  return path
    .relative(root, path.resolve(path.dirname(filename), specifier))
    .split(path.sep)
    .join('/');
}

const packageName = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);

const boundaryRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Keeps each part of the repository to the imports its boundary allows.' },
    schema: [],
    messages: { crossed: '{{part}} must not import {{target}}: {{why}}.' },
  },
  create(context) {
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const boundary = BOUNDARIES.find(({ part }) => file.startsWith(part));
    if (!boundary) return {};
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      const target = repositoryPath(specifier, context.filename);
      const crossed =
        target === undefined
          ? boundary.packages.includes(packageName(specifier)) ||
            // A package of this repository is reached through its entry only: its files are not in the tarball.
            (specifier.startsWith(`${LOCAL_PACKAGE}/`) && !OWN_PACKAGE_PARTS.includes(boundary.part))
          : boundary.folders.some((folder) => `${target}/`.startsWith(folder)) &&
            !(boundary.except ?? []).some((allowed) => allowed.replace(/\.ts$/, '') === target.replace(/\.ts$/, ''));
      if (crossed) {
        context.report({ node, messageId: 'crossed', data: { part: boundary.part, target: target ?? specifier, why: boundary.why } });
      }
    };
    /** The module a call names: a string, or a template literal's text before its first placeholder. */
    const named = (argument) => {
      if (argument?.type === 'Literal') return argument.value;
      if (argument?.type === 'TemplateLiteral') return argument.quasis[0]?.value.cooked;
      return undefined;
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => check(node.source, named(node.source)),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' &&
        check(node.moduleReference.expression, node.moduleReference.expression.value),
      CallExpression: (node) => {
        const [first] = node.arguments;
        const callee = node.callee;
        const isRequire = callee.type === 'Identifier' && callee.name === 'require';
        const isResolve =
          callee.type === 'MemberExpression' &&
          callee.object.type === 'Identifier' &&
          callee.object.name === 'require' &&
          callee.property.name === 'resolve';
        if (isRequire || isResolve) check(first, named(first));
      },
    };
  },
};

/** The flat config that applies the rule; eslint.config.mjs includes it, and it runs alone too (`eslint -c tools/eslint-boundaries.mjs`). */
export default [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { boundaries: { rules: { 'allowed-imports': boundaryRule } } },
    rules: { 'boundaries/allowed-imports': 'error' },
  },
];
