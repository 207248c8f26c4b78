/**
 * The bytes of webhook bodies held before their signature is checked, across every request at once. A body is read
 * only while its bytes fit in the budget (`WEBHOOK_BODY_BUDGET_BYTES`); past it, the request is answered 503 with
 * `Retry-After` and its connection closed, so a stranger holding many large, slow bodies costs at most the budget.
 */
export interface BodyBudget {
  /** Takes `bytes` from the budget; false (and nothing taken) when they do not fit. */
  take(bytes: number): boolean;
  /** Gives `bytes` back. */
  give(bytes: number): void;
  /** Bytes held now (for tests and diagnostics). */
  readonly held: number;
}

/** The default budget: 32 MiB of unverified webhook bodies in memory at once. */
export const DEFAULT_WEBHOOK_BODY_BUDGET_BYTES = 32 * 1024 * 1024;

export function bodyBudget(limitBytes: number): BodyBudget {
  let held = 0;
  return {
    take(bytes) {
      if (held + bytes > limitBytes) return false;
      held += bytes;
      return true;
    },
    give(bytes) {
      held = Math.max(0, held - bytes);
    },
    get held() {
      return held;
    },
  };
}
