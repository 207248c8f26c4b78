import type { ActionBackend } from '../../src/action/action-context.js';
import type { Backend } from '../../src/action/settings.js';

/** A backend this build does not include yet: the step fails with a clear message, nothing is called. */
export function unavailableBackend(backend: Backend): ActionBackend {
  const message = `Input 'backend' is '${backend}', which this version of the Action does not support yet; use backend: codecloud`;
  return {
    main: () => Promise.reject(new Error(message)),
    cleanup: async (_settings, _runs, context) => context.log.warning(message),
  };
}
