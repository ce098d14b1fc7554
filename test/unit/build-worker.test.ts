import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const BUILD_SCRIPT = pathToFileURL(path.join(__dirname, '..', '..', 'tools', 'build-worker.mjs')).href;

/** tools/build-worker.mjs is an ES module, which jest's CommonJS runtime cannot load: ask node itself. */
function isUpToDate(outfile: string, inputsFile: string, baseDir: string, alsoReadFiles: readonly string[] = []): boolean {
  const script = `import(${JSON.stringify(BUILD_SCRIPT)}).then((m) => process.stdout.write(JSON.stringify(m.isUpToDate(...JSON.parse(process.argv[1])))))`;
  const answer = execFileSync(process.execPath, ['-e', script, JSON.stringify([outfile, inputsFile, baseDir, alsoReadFiles])], {
    encoding: 'utf8',
  });
  return JSON.parse(answer) as boolean;
}

/** The freshness rule of tools/build-worker.mjs, on files of a temp folder (never the real assets, which other suites run). */
describe('a function asset is up to date', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-inputs-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes `file` with its modification time `secondsAgo` in the past. */
  function write(file: string, secondsAgo: number): string {
    const full = path.join(dir, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, file);
    const at = new Date(Date.now() - secondsAgo * 1_000);
    fs.utimesSync(full, at, at);
    return full;
  }

  function built(inputs: readonly string[]): { outfile: string; inputsFile: string } {
    const outfile = write('dist/index.js', 10);
    const inputsFile = path.join(dir, 'inputs.json');
    fs.writeFileSync(inputsFile, JSON.stringify(inputs));
    return { outfile, inputsFile };
  }

  test('when every file the build read is older than the asset', () => {
    write('functions/index.ts', 60);
    write('node_modules/sdk/index.js', 600);
    const { outfile, inputsFile } = built(['functions/index.ts', 'node_modules/sdk/index.js']);

    expect(isUpToDate(outfile, inputsFile, dir)).toBe(true);
  });

  test('not when a source changed since, when the build script did, or when a file it read is gone', () => {
    write('functions/index.ts', 60);
    const script = write('tools/build.mjs', 60);
    const { outfile, inputsFile } = built(['functions/index.ts']);
    expect(isUpToDate(outfile, inputsFile, dir, [script])).toBe(true);

    write('tools/build.mjs', 1);
    expect(isUpToDate(outfile, inputsFile, dir, [script])).toBe(false);

    write('tools/build.mjs', 60);
    write('functions/index.ts', 1);
    expect(isUpToDate(outfile, inputsFile, dir, [script])).toBe(false);

    fs.rmSync(path.join(dir, 'functions/index.ts'));
    expect(isUpToDate(outfile, inputsFile, dir, [script])).toBe(false);
  });

  test('not when it was never built, or its inputs were not recorded', () => {
    write('functions/index.ts', 60);

    expect(isUpToDate(path.join(dir, 'dist/index.js'), path.join(dir, 'inputs.json'), dir)).toBe(false);
    write('dist/index.js', 10);
    expect(isUpToDate(path.join(dir, 'dist/index.js'), path.join(dir, 'inputs.json'), dir)).toBe(false);
  });
});
