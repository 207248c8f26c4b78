import type { z } from 'zod';

export interface ZodIssueFormat {
  /**
   * Which fields may show the string they were given, as ` (got '…')` (first 100 characters); the input is only
   * there when parsed with `{ reportInput: true }`. Default: none (a field may hold a secret).
   */
  showsInput?: (path: string) => boolean;
}

/** `prs: expected array, received undefined; repo: repo must be in format: owner/repo` */
export function describeZodIssues(error: z.ZodError, format: ZodIssueFormat = {}): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const shown =
        format.showsInput?.(path) && typeof issue.input === 'string'
          ? ` (got '${issue.input.slice(0, 100)}')`
          : '';
      return `${path ? `${path}: ` : ''}${issue.message}${shown}`;
    })
    .join('; ');
}
