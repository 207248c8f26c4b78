/** One module per backend; `main.ts` picks by the `backend` input. Adding a backend is a file and a line here. */
import type { ActionBackend } from '../src/action/action-context.js';
import type { Backend } from '../src/vocabulary.js';
import { cloudCodingBackend } from './backends/cloudcoding.js';
import { codecloudBackend } from './backends/codecloud.js';

export const BACKEND_MODULES: Record<Backend, ActionBackend> = {
  codecloud: codecloudBackend,
  cloudcoding: cloudCodingBackend,
};
