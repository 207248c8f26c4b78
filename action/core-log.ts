import { randomUUID } from 'node:crypto';
import * as core from '@actions/core';
import type { ActionLog } from '../src/action/action-context.js';

/** The Action's log on the runner: lines, annotations and collapsed groups. */
export const coreLog: ActionLog = {
  info: (text) => core.info(text),
  warning: (text) => core.warning(text),
  notice: (text, title) => core.notice(text, title === undefined ? {} : { title }),
  group: (title, lines) => {
    core.startGroup(title);
    printUntrusted(lines);
    core.endGroup();
  },
};

/** Agent output is untrusted: no line of it may act as a workflow command (`::set-output`, `::add-mask`…). */
export function printUntrusted(lines: readonly string[]): void {
  if (lines.length === 0) return;
  const token = randomUUID();
  core.info(`::stop-commands::${token}`);
  for (const line of lines) core.info(line);
  core.info(`::${token}::`);
}
