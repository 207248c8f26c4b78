import type { z } from 'zod';

/** `prs: expected array, received undefined; repo: repo must be in format: owner/repo` */
export function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
