/**
 * Repository permission levels and the gate on them (README, Commands): the commenter's level, read from
 * `GET /repos/{owner}/{repo}/collaborators/{username}/permission`, must reach config `min_permission`.
 * `author_association` is never used.
 */
import { z } from 'zod';

/** GitHub's repository roles, weakest first. */
export const PERMISSION_LEVELS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export const PermissionLevel = z.enum(PERMISSION_LEVELS);
export type PermissionLevel = z.infer<typeof PermissionLevel>;

/** A caller's level, or `none` when GitHub says they have no access (or says something we don't know). */
export type CallerPermission = PermissionLevel | 'none';

const rank = (level: CallerPermission): number => (level === 'none' ? -1 : PERMISSION_LEVELS.indexOf(level));

/** True when `actual` is at least `required` (read < triage < write < maintain < admin; `none` meets nothing). */
export function meetsPermission(actual: CallerPermission, required: PermissionLevel): boolean {
  return rank(actual) >= rank(required);
}

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
  return rank(role) > rank(base) ? role : base;
}
