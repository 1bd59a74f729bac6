import {
  buildNodeDefinition,
  describeNode,
  type ComboContext,
  type NodeClass,
  type NodeDefinition,
  type NodeSchema,
} from '@easel/core';

/** A node type known to the server, with the pack that declared it. */
export interface RegisteredNode {
  readonly classType: string;
  readonly packName: string;
  /** `<package>/<class_type>`: unique even where ComfyUI's flat names are not. */
  readonly qualifiedName: string;
  readonly nodeClass: NodeClass;
  readonly schema: NodeSchema;
}

/** Two packs (or one pack twice) declare the same `class_type`. */
export class NodeCollisionError extends Error {
  constructor(
    readonly classType: string,
    readonly existingPack: string,
    readonly newPack: string,
  ) {
    super(
      existingPack === newPack
        ? `Pack "${newPack}" declares class_type "${classType}" twice`
        : `Pack "${newPack}" declares class_type "${classType}", which pack "${existingPack}" already declares`,
    );
    this.name = 'NodeCollisionError';
  }
}

/** A node whose `/object_info` entry could not be built (for example its combo function threw). */
export interface DefinitionFailure {
  readonly classType: string;
  readonly packName: string;
  readonly error: unknown;
}

/** The node types of all loaded packs, by `class_type`, in load order. */
export class NodeRegistry {
  private readonly nodes = new Map<string, RegisteredNode>();

  /**
   * Adds all node classes of one pack, or none: a declaration error or a `class_type` that is
   * already taken rejects the whole pack and leaves the registry unchanged.
   */
  registerPack(packName: string, nodeClasses: readonly NodeClass[]): RegisteredNode[] {
    const added = new Map<string, RegisteredNode>();
    for (const nodeClass of nodeClasses) {
      const schema = describeNode(nodeClass, packName);
      const { classType } = schema;
      const existing = this.nodes.get(classType) ?? added.get(classType);
      if (existing) throw new NodeCollisionError(classType, existing.packName, packName);
      added.set(classType, {
        classType,
        packName,
        qualifiedName: `${packName}/${classType}`,
        nodeClass,
        schema,
      });
    }
    for (const [classType, node] of added) this.nodes.set(classType, node);
    return [...added.values()];
  }

  get(classType: string): RegisteredNode | undefined {
    return this.nodes.get(classType);
  }

  all(): RegisteredNode[] {
    return [...this.nodes.values()];
  }

  get size(): number {
    return this.nodes.size;
  }

  /** The `/object_info` entry of one node type, or undefined when there is none. */
  async definition(classType: string, context: ComboContext): Promise<NodeDefinition | undefined> {
    const node = this.nodes.get(classType);
    return node ? buildNodeDefinition(node.schema, context) : undefined;
  }

  /**
   * Every node's `/object_info` entry. Like ComfyUI, a node whose entry cannot be built is left
   * out (and reported to `onFailure`) rather than failing the whole catalogue.
   */
  async definitions(
    context: ComboContext,
    onFailure: (failure: DefinitionFailure) => void,
  ): Promise<Map<string, NodeDefinition>> {
    const nodes = this.all();
    const built = await Promise.allSettled(nodes.map((n) => buildNodeDefinition(n.schema, context)));
    const definitions = new Map<string, NodeDefinition>();
    built.forEach((result, i) => {
      const node = nodes[i];
      if (result.status === 'fulfilled') definitions.set(node.classType, result.value);
      else onFailure({ classType: node.classType, packName: node.packName, error: result.reason });
    });
    return definitions;
  }
}
