import * as core from '@actions/core';
import { ACTION_INPUT_NAMES, type RawInputs, SECRET_INPUTS } from '../src/action/input-names.js';

/** Every input, read once; secrets are masked before anything else happens. */
export function readRawInputs(): RawInputs {
  const raw = Object.fromEntries(ACTION_INPUT_NAMES.map((name) => [name, core.getInput(name)])) as RawInputs;
  for (const name of SECRET_INPUTS) if (raw[name]) core.setSecret(raw[name]);
  return raw;
}
