/**
 * A commenter's repository permission level, read from GitHub's
 * `GET /repos/{owner}/{repo}/collaborators/{username}/permission` answer (docs/app.md, Commands): it must reach config
 * `min_permission` (`meetsPermission` in `src/vocabulary.ts`). `author_association` is never used.
 */
import { z } from 'zod';
import { type CallerPermission, PermissionLevel, permissionRank } from '../vocabulary.js';

/**
 * The part of GitHub's collaborator-permission answer we read. `permission` is the legacy field and only says
 * `admin`, `write`, `read` or `none` (a triage user shows `read`, a maintainer `write`); `role_name` holds the real
 * role (`triage`, `maintain`, or a custom role's name).
 */
export const CollaboratorPermissionAnswer = z.object({
  permission: z.string(),
  role_name: z.string().optional(),
});
export type CollaboratorPermissionAnswer = z.infer<typeof CollaboratorPermissionAnswer>;

const asLevel = (value: string | undefined): PermissionLevel | undefined => {
  const parsed = PermissionLevel.safeParse(value?.toLowerCase());
  return parsed.success ? parsed.data : undefined;
};

/** GitHub's legacy field also says `pull` / `push` in some answers (team and installation APIs). */
const LEGACY: Readonly<Record<string, PermissionLevel>> = { pull: 'read', push: 'write' };

/**
 * The caller's level from GitHub's collaborator-permission answer: the stronger of `role_name` (when it is a
 * built-in role) and `permission`. A custom role's name is not a level, so it counts as its base `permission`.
 * `permission: none`, an unknown `permission` or an unreadable answer is `none`, which is denied.
 */
export function permissionFromGitHub(answer: unknown): CallerPermission {
  const parsed = CollaboratorPermissionAnswer.safeParse(answer);
  if (!parsed.success) return 'none';
  const permission = parsed.data.permission.toLowerCase();
  const base = asLevel(permission) ?? LEGACY[permission];
  const role = asLevel(parsed.data.role_name);
  if (base === undefined) return 'none';
  if (role === undefined) return base;
  return permissionRank(role) > permissionRank(base) ? role : base;
}
