import type { ApiPrompt, PromptNode } from '../prompt/prompt.js';
import { own } from '../prompt/prompt.js';

/**
 * The prompt being executed plus the nodes created by expansions during the run (ephemeral
 * nodes), with each ephemeral node's parent and the id the frontend shows it as.
 */
export class DynamicPrompt {
  private readonly ephemeral = new Map<string, PromptNode>();
  private readonly parents = new Map<string, string>();
  private readonly displayIds = new Map<string, string>();

  constructor(readonly original: ApiPrompt) {}

  get(id: string): PromptNode | undefined {
    return this.ephemeral.get(id) ?? own(this.original, id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  isEphemeral(id: string): boolean {
    return this.ephemeral.has(id);
  }

  addEphemeral(id: string, node: PromptNode, parent: string, displayId: string): void {
    this.ephemeral.set(id, node);
    this.parents.set(id, parent);
    this.displayIds.set(id, displayId);
  }

  parentId(id: string): string | null {
    return this.parents.get(id) ?? null;
  }

  /** The top-level node an ephemeral node descends from (itself for prompt nodes). */
  realNodeId(id: string): string {
    let current = id;
    for (let parent = this.parents.get(current); parent !== undefined; parent = this.parents.get(current))
      current = parent;
    return current;
  }

  /** The id the frontend shows this node's progress on. */
  displayId(id: string): string {
    return this.displayIds.get(id) ?? id;
  }

  /** Every id: the prompt's, then the ephemeral ones. */
  allIds(): string[] {
    return [...Object.keys(this.original), ...this.ephemeral.keys()];
  }
}
