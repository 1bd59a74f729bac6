import { mkdtemp, mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeRegistry } from '@easel/executor';
import { ConsoleLogger } from '../logging/console-logger.js';
import { CustomNodesPackSource } from './custom-nodes-pack-source.js';
import { NodeModulesPackSource } from './node-modules-pack-source.js';
import { PackLoader } from './pack-loader.js';
import { WorkspacePackSource } from './workspace-pack-source.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/custom_nodes', import.meta.url));
const quiet = new ConsoleLogger('CRITICAL');

describe('PackLoader', () => {
  it('loads good packs and records each broken one with its error, without stopping', async () => {
    const registry = new NodeRegistry();
    const report = await new PackLoader(registry, quiet).load([new CustomNodesPackSource(fixtures)]);

    expect(report.loaded).toEqual([
      {
        name: 'fixture-good',
        version: '1.2.3',
        source: 'custom_nodes',
        path: join(fixtures, 'a-good'),
        nodes: ['EchoText', 'TwiceInt'],
        web: null,
      },
    ]);
    expect(registry.get('EchoText')?.packName).toBe('fixture-good');
    expect(registry.get('TwiceInt')?.qualifiedName).toBe('fixture-good/TwiceInt');

    const byFolder = Object.fromEntries(report.failed.map((f) => [basename(f.path), f]));
    expect(Object.keys(byFolder).sort()).toEqual([
      'b-throws',
      'c-collides',
      'd-no-nodes',
      'e-outside',
      'g-bad-json',
      'h-same-name',
    ]);
    expect(byFolder['b-throws']).toMatchObject({ name: 'fixture-throws', source: 'custom_nodes' });
    expect(byFolder['b-throws'].error).toBe('its entry index.js failed to load: boom while importing');
    expect(byFolder['b-throws'].stack).toContain('b-throws/index.js');
    expect(byFolder['c-collides'].error).toBe(
      'Pack "fixture-collides" declares class_type "EchoText", which pack "fixture-good" already declares',
    );
    expect(byFolder['d-no-nodes'].error).toMatch(/exports no @Node classes/);
    expect(byFolder['e-outside'].error).toMatch(/points outside the pack folder/);
    expect(byFolder['g-bad-json']).toMatchObject({ name: 'g-bad-json' });
    expect(byFolder['g-bad-json'].error).toMatch(/package.json is not valid JSON/);
    // a second pack with a taken name is refused, not merged
    expect(byFolder['h-same-name'].error).toMatch(
      /a pack named fixture-good is already loaded from .*a-good/,
    );
    // f-python-pack has no package.json: not an Easel pack, silently skipped
    expect(report.failed.every((f) => f.source === 'custom_nodes')).toBe(true);
  });

  describe('sources', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'easel-packs-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    async function pack(folder: string, name: string, classType: string, autoload?: boolean) {
      await mkdir(folder, { recursive: true });
      await writeFile(
        join(folder, 'package.json'),
        JSON.stringify({ name, version: '1.0.0', type: 'module', easel: { nodes: 'index.js', autoload } }),
      );
      const core = JSON.stringify(import.meta.resolve('@easel/core'));
      await writeFile(
        join(folder, 'index.js'),
        `import { Node } from ${core};\nexport class N { execute() { return []; } }\nNode({ classType: '${classType}' })(N);\n`,
      );
    }

    it('loads workspace, then node_modules (scoped too), then custom_nodes, each folder once', async () => {
      await pack(join(dir, 'node-packs', 'b'), '@easel/b-nodes', 'B');
      await pack(join(dir, 'node-packs', 'a'), '@easel/a-nodes', 'A');
      await mkdir(join(dir, 'node_modules', '@easel'), { recursive: true });
      // npm workspaces link node-packs into node_modules: the same folder must not load twice
      await symlink(join(dir, 'node-packs', 'a'), join(dir, 'node_modules', '@easel', 'a-nodes'));
      await pack(join(dir, 'node_modules', '@acme', 'extra'), '@acme/extra', 'Extra');
      await pack(join(dir, 'node_modules', 'plain'), 'plain', 'Plain');
      await mkdir(join(dir, 'node_modules', 'not-a-pack'));
      await writeFile(join(dir, 'node_modules', 'not-a-pack', 'package.json'), '{"name": "not-a-pack"}');
      await mkdir(join(dir, 'node_modules', 'broken-dependency'));
      await writeFile(join(dir, 'node_modules', 'broken-dependency', 'package.json'), '{oops');
      await pack(join(dir, 'custom_nodes', 'mine'), 'mine', 'Mine');

      const registry = new NodeRegistry();
      const report = await new PackLoader(registry, quiet).load([
        new WorkspacePackSource(join(dir, 'node-packs')),
        new NodeModulesPackSource([join(dir, 'node_modules'), join(dir, 'missing', 'node_modules')]),
        new CustomNodesPackSource(join(dir, 'custom_nodes')),
      ]);
      expect(report.failed).toEqual([]);
      expect(report.loaded.map((p) => [p.source, p.name])).toEqual([
        ['workspace', '@easel/a-nodes'],
        ['workspace', '@easel/b-nodes'],
        ['node_modules', '@acme/extra'],
        ['node_modules', 'plain'],
        ['custom_nodes', 'mine'],
      ]);
      expect(registry.all().map((n) => n.classType)).toEqual(['A', 'B', 'Extra', 'Plain', 'Mine']);
    });

    it('loads a pack with "autoload": false only when it is linked into custom_nodes', async () => {
      await pack(join(dir, 'node-packs', 'testing'), '@easel/testing', 'T', false);
      await mkdir(join(dir, 'node_modules', '@easel'), { recursive: true });
      await symlink(join(dir, 'node-packs', 'testing'), join(dir, 'node_modules', '@easel', 'testing'));
      const sources = [
        new WorkspacePackSource(join(dir, 'node-packs')),
        new NodeModulesPackSource([join(dir, 'node_modules')]),
        new CustomNodesPackSource(join(dir, 'custom_nodes')),
      ];
      const without = await new PackLoader(new NodeRegistry(), quiet).load(sources);
      expect(without).toEqual({ loaded: [], failed: [] });

      await mkdir(join(dir, 'custom_nodes'));
      await symlink(join(dir, 'node-packs', 'testing'), join(dir, 'custom_nodes', 'testing'));
      const linked = await new PackLoader(new NodeRegistry(), quiet).load(sources);
      expect(linked.loaded.map((p) => [p.source, p.name])).toEqual([['custom_nodes', '@easel/testing']]);
    });

    it('carries the web folder, named by the custom_nodes folder or the package name', async () => {
      const withWeb = async (folder: string, name: string, classType: string, web: string) => {
        await pack(folder, name, classType);
        await mkdir(join(folder, 'web'), { recursive: true });
        const manifest = { name, version: '1.0.0', type: 'module', easel: { nodes: 'index.js', web } };
        await writeFile(join(folder, 'package.json'), JSON.stringify(manifest));
      };
      await withWeb(join(dir, 'node_modules', '@acme', 'ui'), '@acme/ui', 'Ui', 'web');
      await withWeb(join(dir, 'packs', 'linked'), 'linked-package-name', 'Linked', './web');
      await mkdir(join(dir, 'custom_nodes'));
      await symlink(join(dir, 'packs', 'linked'), join(dir, 'custom_nodes', 'folder-name'));
      await withWeb(join(dir, 'custom_nodes', 'outside'), 'outside', 'Outside', '../linked/web');
      await withWeb(join(dir, 'custom_nodes', 'zz'), 'zz', 'Zz', 'web');
      await symlink(join(dir, 'custom_nodes', 'zz'), join(dir, 'custom_nodes', 'folder-name-2'));

      const registry = new NodeRegistry();
      const report = await new PackLoader(registry, quiet).load([
        new NodeModulesPackSource([join(dir, 'node_modules')]),
        new CustomNodesPackSource(join(dir, 'custom_nodes')),
      ]);
      const real = await realpath(dir);
      expect(report.loaded.map((p) => [p.name, p.web])).toEqual([
        ['@acme/ui', { name: '@acme/ui', path: join(real, 'node_modules', '@acme', 'ui', 'web') }],
        ['linked-package-name', { name: 'folder-name', path: join(real, 'packs', 'linked', 'web') }],
        ['zz', { name: 'folder-name-2', path: join(real, 'custom_nodes', 'zz', 'web') }],
      ]);
      expect(report.failed.map((f) => [f.name, f.error])).toEqual([
        ['outside', '"easel.web" (../linked/web) points outside the pack folder'],
      ]);
      // a refused pack registers none of its nodes
      expect(registry.get('Outside')).toBeUndefined();
    });

    it('refuses a second pack whose web folder would take the same URLs', async () => {
      const withWeb = async (folder: string, name: string, classType: string) => {
        await pack(folder, name, classType);
        await mkdir(join(folder, 'web'));
        const manifest = { name, version: '1.0.0', type: 'module', easel: { nodes: 'index.js', web: 'web' } };
        await writeFile(join(folder, 'package.json'), JSON.stringify(manifest));
      };
      await withWeb(join(dir, 'node_modules', 'shared-name'), 'shared-name', 'First');
      await withWeb(join(dir, 'custom_nodes', 'shared-name'), 'another-package', 'Second');
      const registry = new NodeRegistry();
      const report = await new PackLoader(registry, quiet).load([
        new NodeModulesPackSource([join(dir, 'node_modules')]),
        new CustomNodesPackSource(join(dir, 'custom_nodes')),
      ]);
      expect(report.loaded.map((p) => p.name)).toEqual(['shared-name']);
      expect(report.failed.map((f) => [f.name, f.error])).toEqual([
        [
          'another-package',
          'its web folder would be served at /extensions/shared-name/, taken by pack shared-name',
        ],
      ]);
      expect(registry.get('Second')).toBeUndefined();
    });

    it('finds nothing in folders that do not exist', async () => {
      const report = await new PackLoader(new NodeRegistry(), quiet).load([
        new CustomNodesPackSource(join(dir, 'nope')),
        new WorkspacePackSource(join(dir, 'nope2')),
      ]);
      expect(report).toEqual({ loaded: [], failed: [] });
    });
  });
});
