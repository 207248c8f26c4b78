import * as core from '@actions/core';
import { ACTION_INPUT_NAMES, type RawInputs, SECRET_INPUTS } from '../src/action/input-names.js';
import { toolHeaderValues } from '../src/action/tools-input.js';

/** Every input, read once; secrets (the tools' header values too) are masked before anything else happens. */
export function readRawInputs(): RawInputs {
  const raw = Object.fromEntries(ACTION_INPUT_NAMES.map((name) => [name, core.getInput(name)])) as RawInputs;
  for (const name of SECRET_INPUTS) if (raw[name]) core.setSecret(raw[name]);
  for (const value of [...toolHeaderValues(raw.tools), ...toolHeaderValues(raw.tasks)]) core.setSecret(value);
  return raw;
}
