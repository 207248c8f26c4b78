// The in-process `SimulatorControl`: inspection returns copies; every change goes through here.
import { parsePromptScript, parseRouteFault, parseRunScript, parseWebhookFault } from './input-schemas.js';
import { deleteSchedulesForDowngrade } from './schedule-engine.js';
import type { SimState } from './sim-state.js';
import type { SimPlan, SimulatorControl, SimulatorState } from './types.js';

const PLANS: readonly SimPlan[] = ['free', 'starter', 'pro'];

function checkPlan(plan: string): SimPlan {
  if (!(PLANS as readonly string[]).includes(plan)) {
    throw new Error(`plan must be one of ${PLANS.join(', ')}, got ${plan}`);
  }
  return plan as SimPlan;
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.trim() === '') throw new Error('an API key must be a non-empty string');
  return key;
}

export function createControl(state: SimState, onReset: () => void): SimulatorControl {
  const snapshot = (): SimulatorState =>
    structuredClone({
      now: state.clock.iso(),
      time_factor: state.clock.factor,
      api_keys: [...state.keys].map(([key, plan]) => ({ key, plan })),
      webhook_secret: state.secret,
      runs: [...state.runs.values()],
      schedules: [...state.schedules.values()],
      webhooks: state.attempts,
      requests: state.requests,
      faults: state.faults.routeFaults,
      webhook_faults: state.faults.webhookFaults,
    });

  return {
    state: async () => snapshot(),
    runs: async () => structuredClone([...state.runs.values()]),
    run: async (id) => {
      const run = state.runs.get(id);
      return run ? structuredClone(run) : undefined;
    },
    schedules: async () => structuredClone([...state.schedules.values()]),
    webhooks: async (filter = {}) =>
      structuredClone(
        state.attempts.filter(
          (a) =>
            (filter.event === undefined || a.event === filter.event) &&
            (filter.run_id === undefined || a.body.includes(`"run_id":${JSON.stringify(filter.run_id)}`)),
        ),
      ),
    requests: async (filter = {}) =>
      structuredClone(
        state.requests.filter(
          (r) =>
            (filter.method === undefined || r.method === filter.method.toUpperCase()) &&
            (filter.route === undefined || r.route === filter.route) &&
            (filter.path === undefined || r.path.includes(filter.path)),
        ),
      ),

    setApiKey: async (key, plan) => {
      state.keys.set(checkKey(key), checkPlan(plan));
    },
    removeApiKey: async (key) => {
      state.keys.delete(key);
    },
    setPlan: async (key, plan) => {
      const before = state.keys.get(key);
      if (before === undefined) throw new Error(`unknown API key: ${key}`);
      state.keys.set(key, checkPlan(plan));
      if (plan === 'free' && before !== 'free') deleteSchedulesForDowngrade(state, key);
    },
    setWebhookSecret: async (secret) => {
      state.secret = secret === null || secret === '' ? null : secret;
    },
    setProgressWebhooks: async (enabled) => {
      state.progress = Boolean(enabled);
    },

    now: async () => state.clock.iso(),
    setTimeFactor: async (factor) => {
      state.clock.setFactor(Number(factor));
    },
    advance: async (ms) => new Date(await state.clock.advance(Number(ms))).toISOString(),

    setDefaultScript: async (script) => {
      state.defaultScript = parseRunScript(script, 'setDefaultScript');
    },
    setDefaultFollowUpScript: async (script) => {
      state.defaultFollowUpScript = parseRunScript(script, 'setDefaultFollowUpScript');
    },
    queueScripts: async (...scripts) => {
      state.scriptQueue.push(...scripts.map((s, i) => parseRunScript(s, `queueScripts[${i}]`)));
    },
    queueFollowUpScripts: async (...scripts) => {
      state.followUpQueue.push(...scripts.map((s, i) => parseRunScript(s, `queueFollowUpScripts[${i}]`)));
    },
    addPromptScript: async (entry) => {
      state.promptScripts.push(parsePromptScript(entry));
    },
    clearScripts: async () => {
      state.scriptQueue = [];
      state.followUpQueue = [];
      state.promptScripts = [];
    },

    addFault: async (fault) => state.faults.addRoute(parseRouteFault(fault)),
    addWebhookFault: async (fault) => state.faults.addWebhook(parseWebhookFault(fault)),
    removeFault: async (id) => {
      state.faults.remove(id);
    },
    clearFaults: async () => {
      state.faults.clear();
    },

    reset: async () => {
      state.reset();
      onReset();
    },
  };
}
