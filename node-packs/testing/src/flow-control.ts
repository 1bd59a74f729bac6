import {
  ExecutionBlocker,
  GraphBuilder,
  Hidden,
  Input,
  Node,
  isLink,
  type GraphNode,
  type Link,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
} from '@easel/core';
import { AssertionError, PYTHON_MODULE, VariantSupport, pyTruthy } from './tools.js';

// flow_control.py: a while loop built from node expansion, and a node that blocks execution.

export const NUM_FLOW_SOCKETS = 5;
const FLOW = 'Testing/Flow';

/** A node of the prompt being executed, as the `DYNPROMPT` hidden input exposes it. */
export interface DynamicPromptNode {
  class_type: string;
  inputs: Record<string, unknown>;
}

/** What the loop needs of the `DYNPROMPT` hidden input: the prompt's nodes, expansions included. */
export interface DynamicPromptView {
  get(id: string): DynamicPromptNode | undefined;
}

function promptNode(dynprompt: DynamicPromptView, id: string): DynamicPromptNode {
  const node = dynprompt.get(id);
  if (!node) throw new Error(`Node ${id} not found`);
  return node;
}

/** For every ancestor of `nodeId`: the nodes that take an input from it (`explore_dependencies`). */
export function exploreDependencies(
  nodeId: string,
  dynprompt: DynamicPromptView,
  upstream: Map<string, string[]>,
): void {
  const node = promptNode(dynprompt, nodeId);
  if (!node.inputs) return;
  for (const value of Object.values(node.inputs)) {
    if (!isLink(value)) continue;
    const parent = value[0];
    if (!upstream.has(parent)) {
      upstream.set(parent, []);
      exploreDependencies(parent, dynprompt, upstream);
    }
    (upstream.get(parent) as string[]).push(nodeId);
  }
}

/** Marks every node downstream of `nodeId` within `upstream` (`collect_contained`). */
export function collectContained(
  nodeId: string,
  upstream: Map<string, string[]>,
  contained: Set<string>,
): void {
  for (const child of upstream.get(nodeId) ?? []) {
    if (contained.has(child)) continue;
    contained.add(child);
    collectContained(child, upstream, contained);
  }
}

function lookup(graph: GraphBuilder, id: string): GraphNode {
  const node = graph.lookupNode(id);
  if (!node) throw new Error(`Node ${graph.prefix}${id} is not in the loop body`);
  return node;
}

/** `kwargs.get(name)`: a missing input reads as None. */
function get(inputs: Record<string, unknown>, name: string): unknown {
  return inputs[name] ?? null;
}

@VariantSupport()
@Node({
  classType: 'TestWhileLoopOpen',
  displayName: 'While Loop Open',
  category: FLOW,
  pythonModule: PYTHON_MODULE,
  outputs: [
    { type: 'FLOW_CONTROL', name: 'FLOW_CONTROL' },
    { type: '*', name: 'value0' },
    { type: '*', name: 'value1' },
    { type: '*', name: 'value2' },
    { type: '*', name: 'value3' },
    { type: '*', name: 'value4' },
  ],
})
export class TestWhileLoopOpen {
  @Input.boolean({ default: true }) condition!: boolean;
  @Input('*', { optional: true }) initial_value0?: unknown;
  @Input('*', { optional: true }) initial_value1?: unknown;
  @Input('*', { optional: true }) initial_value2?: unknown;
  @Input('*', { optional: true }) initial_value3?: unknown;
  @Input('*', { optional: true }) initial_value4?: unknown;

  execute(inputs: NodeInputs<TestWhileLoopOpen>): NodeReturn {
    const values = Array.from({ length: NUM_FLOW_SOCKETS }, (_, i) => get(inputs, `initial_value${i}`));
    return ['stub', ...values];
  }
}

@VariantSupport()
@Node({
  classType: 'TestWhileLoopClose',
  displayName: 'While Loop Close',
  category: FLOW,
  pythonModule: PYTHON_MODULE,
  outputs: Array.from({ length: NUM_FLOW_SOCKETS }, (_, i) => ({ type: '*', name: `value${i}` })),
})
export class TestWhileLoopClose {
  @Input('FLOW_CONTROL', { rawLink: true }) flow_control!: Link;
  @Input.boolean({ forceInput: true }) condition!: boolean;
  @Input('*', { optional: true }) initial_value0?: unknown;
  @Input('*', { optional: true }) initial_value1?: unknown;
  @Input('*', { optional: true }) initial_value2?: unknown;
  @Input('*', { optional: true }) initial_value3?: unknown;
  @Input('*', { optional: true }) initial_value4?: unknown;
  @Hidden('DYNPROMPT') dynprompt!: DynamicPromptView | null;
  @Hidden('UNIQUE_ID') unique_id!: string;

  execute(inputs: NodeInputs<TestWhileLoopClose>, context: NodeContext): NodeReturn {
    const { flow_control, condition, dynprompt } = inputs;
    if (!dynprompt) throw new AssertionError('');
    const values = Array.from({ length: NUM_FLOW_SOCKETS }, (_, i) => get(inputs, `initial_value${i}`));
    // the loop is over: pass the values on
    if (!pyTruthy(condition)) return values;

    // another iteration: clone every node between the open node and this one
    const self = inputs.unique_id ?? context.nodeId;
    const upstream = new Map<string, string[]>();
    exploreDependencies(self, dynprompt, upstream);
    const openNode = flow_control[0];
    const contained = new Set<string>();
    collectContained(openNode, upstream, contained);
    contained.add(self);
    contained.add(openNode);

    const graph = new GraphBuilder();
    const localId = (id: string) => (id === self ? 'Recurse' : id);
    for (const id of contained) {
      const original = promptNode(dynprompt, id);
      graph.node(original.class_type, {}, localId(id)).overrideDisplayId = id;
    }
    for (const id of contained) {
      const original = promptNode(dynprompt, id);
      const node = lookup(graph, localId(id));
      for (const [name, value] of Object.entries(original.inputs)) {
        if (isLink(value) && contained.has(value[0])) {
          node.setInput(name, lookup(graph, value[0]).out(value[1]));
        } else {
          // GraphBuilder's set_input(k, None) removes the input
          node.setInput(name, value ?? undefined);
        }
      }
    }
    const newOpen = lookup(graph, openNode);
    for (let i = 0; i < NUM_FLOW_SOCKETS; i++) {
      newOpen.setInput(`initial_value${i}`, values[i] ?? undefined);
    }
    const clone = lookup(graph, 'Recurse');
    return {
      result: Array.from({ length: NUM_FLOW_SOCKETS }, (_, i) => clone.out(i)),
      expand: graph.finalize(),
    };
  }
}

@VariantSupport()
@Node({
  classType: 'TestExecutionBlocker',
  displayName: 'Execution Blocker',
  category: FLOW,
  pythonModule: PYTHON_MODULE,
  outputs: [{ type: '*', name: 'output' }],
})
export class TestExecutionBlockerNode {
  @Input('*') input!: unknown;
  @Input.boolean() block!: boolean;
  @Input.boolean({ default: false }) verbose!: boolean;

  execute({ input, block, verbose }: NodeInputs<TestExecutionBlockerNode>): NodeReturn {
    if (pyTruthy(block)) return [new ExecutionBlocker(pyTruthy(verbose) ? 'Blocked Execution' : null)];
    return [input];
  }
}
