// A module resolution hook (node:module register) that runs in Node's loader thread: every
// import of @easel/core, from any folder, resolves to the server's own copy. Packs in
// custom_nodes/ or node_modules/ may have no copy or another one; sharing the server's means
// one set of decorators and one dependency-injection container.

interface HookData {
  coreUrl: string;
}

interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}

let coreUrl = '';

export function initialize(data: HookData): void {
  coreUrl = data.coreUrl;
}

export async function resolve(
  specifier: string,
  context: unknown,
  nextResolve: (specifier: string, context: unknown) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  if (specifier === '@easel/core') return { url: coreUrl, format: 'module', shortCircuit: true };
  return nextResolve(specifier, context);
}
