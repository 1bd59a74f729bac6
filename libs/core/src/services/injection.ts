// Packs import dependency injection from @easel/core, never from tsyringe directly: the server
// resolves @easel/core to its own copy, so packs and server share one tsyringe and one container.
import { container, type DependencyContainer } from 'tsyringe';

export { inject, injectable, singleton, injectAll, delay } from 'tsyringe';
export type { DependencyContainer, InjectionToken } from 'tsyringe';

/** For hosts (the server, tests): a fresh container to register the services packs may inject. */
export function createServiceContainer(): DependencyContainer {
  return container.createChildContainer();
}
