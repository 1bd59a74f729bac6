import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServerProcess, type ServerProcess } from './testing/server-process.js';

// Follows docs/node-packs.md to the letter: writes every file the guide prints, builds and tests
// the pack with the guide's own npm scripts, packs it with `npm pack`, installs the tarball the
// way `npm install` would, and starts a real server that must load it. If the guide stops
// working, this test fails.

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const guide = readFileSync(join(repo, 'docs', 'node-packs.md'), 'utf8');

/** Code blocks whose info string names a file: ```ts file=src/index.ts */
function guideFiles(): { path: string; content: string }[] {
  return [...guide.matchAll(/^```\w+ file=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => ({
    path: m[1],
    content: m[2],
  }));
}

/** The guide's "Without TypeScript" example. */
function javascriptExample(): string {
  const match = /^```js\n([\s\S]*?)^```$/m.exec(guide);
  if (!match) throw new Error('docs/node-packs.md has no ```js example');
  return match[1];
}

/** What `npm install --save-dev typescript @types/node @easel/core` gives the pack, offline. */
async function linkDevDependencies(pack: string): Promise<void> {
  const modules = join(pack, 'node_modules');
  await mkdir(join(modules, '@easel'), { recursive: true });
  await mkdir(join(modules, '@types'), { recursive: true });
  await mkdir(join(modules, '.bin'), { recursive: true });
  await symlink(join(repo, 'libs', 'core'), join(modules, '@easel', 'core'));
  await symlink(join(repo, 'node_modules', 'typescript'), join(modules, 'typescript'));
  await symlink(join(repo, 'node_modules', '@types', 'node'), join(modules, '@types', 'node'));
  await symlink('../typescript/bin/tsc', join(modules, '.bin', 'tsc'));
}

describe('docs/node-packs.md, followed step by step', () => {
  let work: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'easel-guide-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('gives a pack that builds, passes its tests, packs, and loads in a server', async () => {
    const pack = join(work, 'easel-text-tools');
    const files = guideFiles();
    expect(files.map((f) => f.path).sort()).toEqual([
      'package.json',
      'src/index.ts',
      'src/read-text-file.ts',
      'src/text-repeat.test.ts',
      'src/text-repeat.ts',
      'tsconfig.json',
    ]);
    for (const file of files) {
      await mkdir(dirname(join(pack, file.path)), { recursive: true });
      await writeFile(join(pack, file.path), file.content);
    }
    await linkDevDependencies(pack);

    // `npm test` is the guide's build + node --test
    const tested = await run('npm', ['test'], { cwd: pack });
    expect(tested.stdout).toMatch(/# pass 2/);
    expect(tested.stdout).toMatch(/# fail 0/);

    await run('npm', ['pack', '--pack-destination', work], { cwd: pack });
    const base = join(work, 'base');
    await mkdir(join(base, 'node_modules'), { recursive: true });
    await run('tar', ['-xzf', join(work, 'easel-text-tools-1.0.0.tgz'), '-C', join(base, 'node_modules')]);
    await rename(join(base, 'node_modules', 'package'), join(base, 'node_modules', 'easel-text-tools'));
    // the published files: dist without tests, and package.json
    const published = await readdir(join(base, 'node_modules', 'easel-text-tools', 'dist'));
    expect(published.filter((f) => f.includes('.test.'))).toEqual([]);
    expect(published).toEqual(expect.arrayContaining(['index.js', 'text-repeat.js', 'read-text-file.js']));

    // the JavaScript example, as a custom_nodes folder
    const shout = join(base, 'custom_nodes', 'shout');
    await mkdir(shout, { recursive: true });
    await writeFile(
      join(shout, 'package.json'),
      JSON.stringify({ name: 'shout', type: 'module', easel: { nodes: 'index.js' } }),
    );
    await writeFile(join(shout, 'index.js'), javascriptExample());

    await mkdir(join(base, 'input'), { recursive: true });
    await writeFile(join(base, 'input', 'notes.txt'), 'hello');
    await writeFile(join(base, 'input', 'photo.png'), '');

    server = await startServerProcess(['--base-directory', base]);
    const packs = (await (await fetch(`${server.url}/internal/packs`)).json()) as {
      loaded: { name: string; source: string; nodes: string[] }[];
      failed: unknown[];
    };
    expect(packs.failed).toEqual([]);
    expect(packs.loaded).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'easel-text-tools',
          source: 'node_modules',
          nodes: ['ReadTextFile', 'TextRepeat'],
        }),
        expect.objectContaining({ name: 'shout', source: 'custom_nodes', nodes: ['Shout'] }),
      ]),
    );

    const info = (await (await fetch(`${server.url}/api/object_info`)).json()) as Record<string, any>;
    expect(info.TextRepeat).toMatchObject({
      display_name: 'Repeat Text',
      category: 'text/tools',
      python_module: 'custom_nodes.easel-text-tools',
      input: { optional: { separator: ['STRING', { default: ' ', tooltip: 'Put between the copies.' }] } },
      output_name: ['text'],
      output_tooltips: ['The repeated text.'],
    });
    // the computed combo used the Directories service the server injected
    expect(info.ReadTextFile.input.required.file).toEqual([
      ['notes.txt'],
      { tooltip: 'A .txt file in the input folder.' },
    ]);
    expect(info.Shout.input.required.text).toEqual(['STRING', { default: 'hello' }]);
  }, 120_000);
});
