import { Input, Node, type NodeClass } from '@easel/core';
import { NodeCollisionError, NodeRegistry } from './node-registry.js';

function nodeClass(classType: string, choices: () => string[] = () => ['a']): NodeClass {
  @Node({ classType, outputs: ['STRING'] })
  class Declared {
    @Input.combo(choices) pick!: string;
    execute() {
      return ['x'];
    }
  }
  return Declared;
}

const noServices = { resolve: () => undefined as never };

describe('NodeRegistry', () => {
  it('registers the nodes of a pack under class_type and package/class_type', () => {
    const registry = new NodeRegistry();
    const [node] = registry.registerPack('@acme/nodes', [nodeClass('Thing')]);
    expect(node.qualifiedName).toBe('@acme/nodes/Thing');
    expect(registry.get('Thing')?.packName).toBe('@acme/nodes');
    expect(registry.size).toBe(1);
  });

  it('rejects a class_type another pack declared, naming both packs, and adds nothing of the second pack', () => {
    const registry = new NodeRegistry();
    registry.registerPack('first-pack', [nodeClass('Shared')]);
    const register = () => registry.registerPack('second-pack', [nodeClass('Fresh'), nodeClass('Shared')]);
    expect(register).toThrow(NodeCollisionError);
    expect(register).toThrow(/"second-pack".*"Shared".*"first-pack"/);
    expect(registry.get('Fresh')).toBeUndefined();
    expect(registry.get('Shared')?.packName).toBe('first-pack');
  });

  it('rejects a pack declaring one class_type twice', () => {
    const registry = new NodeRegistry();
    expect(() => registry.registerPack('p', [nodeClass('Twice'), nodeClass('Twice')])).toThrow(
      /declares class_type "Twice" twice/,
    );
  });

  it('keeps odd class_type names such as __proto__ as plain keys', async () => {
    const registry = new NodeRegistry();
    registry.registerPack('p', [nodeClass('__proto__'), nodeClass('constructor')]);
    const definitions = Object.fromEntries(await registry.definitions(noServices, () => undefined));
    expect(Object.keys(definitions)).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(definitions))).toHaveProperty(['__proto__', 'name'], '__proto__');
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });

  it('leaves out a node whose definition fails and reports it', async () => {
    const registry = new NodeRegistry();
    registry.registerPack('p', [
      nodeClass('Good'),
      nodeClass('Broken', () => {
        throw new Error('folder gone');
      }),
    ]);
    const failures: string[] = [];
    const definitions = await registry.definitions(noServices, (f) =>
      failures.push(`${f.classType}: ${String(f.error)}`),
    );
    expect([...definitions.keys()]).toEqual(['Good']);
    expect(failures).toEqual(['Broken: Error: folder gone']);
    expect(await registry.definition('Missing', noServices)).toBeUndefined();
  });
});
