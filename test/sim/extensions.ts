// Extensions served by every simulator: more routes on the same server (see README "Extensions").
// Registering one is a one-line change here.
import { cloudCodingExtension } from './cloudcoding/cloudcoding-extension.js';
import type { SimExtensionFactory } from './types.js';

export const BUILT_IN_EXTENSIONS: SimExtensionFactory[] = [cloudCodingExtension];
