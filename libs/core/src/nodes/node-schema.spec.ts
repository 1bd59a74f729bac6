import { Hidden, Input, Node } from './decorators.js';
import type { HiddenKind } from './io-types.js';
import { buildNodeDefinition } from './node-definition.js';
import { isNodeClass } from './node-metadata.js';
import { describeNode, NodeDeclarationError } from './node-schema.js';

const noServices = { resolve: () => undefined as never };

describe('describeNode', () => {
  it('puts optional inputs under optional, keeps option order and splices extra keys in place', async () => {
    @Node({ classType: 'Mixer', outputs: [{ type: 'FLOAT', name: 'mixed', isList: true }] })
    class Mixer {
      @Input.float({ default: 0.5, extra: { slider_hint: 'x', gone: undefined }, min: 0 }) ratio!: number;
      @Input('IMAGE', { optional: true, lazy: true }) image?: unknown;
      @Hidden('UNIQUE_ID') id!: string;
      execute() {
        return [];
      }
    }
    const definition = await buildNodeDefinition(describeNode(Mixer, 'my-pack'), noServices);
    expect(definition.input).toEqual({
      required: { ratio: ['FLOAT', { default: 0.5, slider_hint: 'x', min: 0 }] },
      optional: { image: ['IMAGE', { lazy: true }] },
      hidden: { id: 'UNIQUE_ID' },
    });
    expect(Object.keys(definition.input.required.ratio[1] ?? {})).toEqual(['default', 'slider_hint', 'min']);
    expect(definition.input_order).toEqual({ required: ['ratio'], optional: ['image'], hidden: ['id'] });
    expect(definition.output_name).toEqual(['mixed']);
    expect(definition.output_is_list).toEqual([true]);
    expect(definition.python_module).toBe('custom_nodes.my-pack');
    expect(definition.category).toBe('sd');
    expect(definition.display_name).toBe('Mixer');
    expect(definition.search_aliases).toEqual([]);
  });

  it('inherits inputs from a base class, which a subclass can redeclare in place', () => {
    class Base {
      @Input.int({ default: 1 }) a!: number;
      @Input.int({ default: 2 }) b!: number;
    }
    @Node({ classType: 'Derived' })
    class Derived extends Base {
      @Input.int({ default: 3 }) override b!: number;
      @Input.string() c!: string;
      execute() {
        return [];
      }
    }
    const schema = describeNode(Derived, 'p');
    expect(schema.inputs.map((i) => [i.name, i.kind === 'hidden' ? null : i.options])).toEqual([
      ['a', { default: 1 }],
      ['b', { default: 3 }],
      ['c', {}],
    ]);
    expect(isNodeClass(Derived)).toBe(true);
    expect(isNodeClass(Base)).toBe(false);
  });

  it('emits V3 shapes: every key, hidden as one-element arrays, COMBO with options last', async () => {
    @Node({
      classType: 'V3Node',
      schema: 'v3',
      outputNode: true,
      outputs: [{ type: 'STRING', tooltip: 't' }, 'INT'],
    })
    class V3Node {
      @Input.combo(['a', 'b'], { tooltip: 'pick', default: 'a' }) choice!: string;
      @Input('IMAGE') image!: unknown;
      @Hidden('PROMPT') prompt!: unknown;
      execute() {
        return [];
      }
    }
    const definition = await buildNodeDefinition(describeNode(V3Node, 'p'), noServices);
    expect(definition.input).toEqual({
      required: {
        choice: ['COMBO', { tooltip: 'pick', default: 'a', multiselect: false, options: ['a', 'b'] }],
        image: ['IMAGE', {}],
      },
      hidden: { prompt: ['PROMPT'] },
    });
    expect(definition.output_tooltips).toEqual(['t', null]);
    expect(definition.output_matchtypes).toBeNull();
    expect(definition.search_aliases).toBeNull();
    expect(definition.essentials_category).toBeNull();
    expect(definition.api_node).toBe(false);
    expect(Object.keys(definition).at(-1)).toBe('has_intermediate_output');
  });

  const rejects: [string, () => unknown, RegExp][] = [
    ['a class without @Node', () => describeNode(class Plain {}, 'p'), /has no @Node decorator/],
    [
      'a node without execute',
      () => {
        @Node({ classType: 'NoExec' })
        class NoExec {}
        return describeNode(NoExec, 'p');
      },
      /needs an execute/,
    ],
    [
      'an empty class_type',
      () => {
        @Node({ classType: ' ' })
        class Blank {
          execute() {}
        }
        return describeNode(Blank, 'p');
      },
      /non-empty classType/,
    ],
    [
      'a combo whose choices are not strings or numbers',
      () => {
        @Node({ classType: 'BadCombo' })
        class BadCombo {
          @Input.combo([{}] as unknown as string[]) x!: string;
          execute() {}
        }
        return describeNode(BadCombo, 'p');
      },
      /combo input x needs an array/,
    ],
    [
      'an unknown hidden kind',
      () => {
        @Node({ classType: 'BadHidden' })
        class BadHidden {
          @Hidden('SECRET' as HiddenKind) x!: string;
          execute() {}
        }
        return describeNode(BadHidden, 'p');
      },
      /unknown kind "SECRET"/,
    ],
    [
      'an output without a type',
      () => {
        @Node({ classType: 'BadOutput', outputs: [''] })
        class BadOutput {
          execute() {}
        }
        return describeNode(BadOutput, 'p');
      },
      /output 0 needs a non-empty type/,
    ],
    [
      'a non-boolean flag',
      () => {
        @Node({ classType: 'BadFlag', outputNode: 'yes' as unknown as boolean })
        class BadFlag {
          execute() {}
        }
        return describeNode(BadFlag, 'p');
      },
      /outputNode must be a boolean/,
    ],
  ];
  it.each(rejects)('rejects %s with a NodeDeclarationError naming the class', (_what, declare, message) => {
    expect(declare).toThrow(NodeDeclarationError);
    expect(declare).toThrow(message);
  });

  it('refuses decorators on static properties', () => {
    expect(() => {
      class Static {
        @Input.int() static x: number;
      }
      return Static;
    }).toThrow(/instance property/);
  });
});
