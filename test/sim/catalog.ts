// Plausible data for the public `GET /api/v1/providers` and `GET /api/v1/models` (the documented shapes).
import type { Model, Provider } from '../../src/codecloud/schemas.js';

export const DEFAULT_MODEL = 'claude-sonnet-4-5';
export const DEFAULT_PROVIDER = 'anthropic';
export const DEFAULT_AGENT_PROVIDER = 'opencode';
export const MODELS_GENERATED_AT = '2026-01-28T15:36:36.566Z';

export const PROVIDERS: Provider[] = [
  {
    id: 'anthropic',
    name: 'Anthropic',
    credentials: [{ key: 'ANTHROPIC_API_KEY', label: 'API Key', required: true, placeholder: 'sk-ant-...' }],
  },
  {
    id: 'openai',
    name: 'OpenAI',
    credentials: [{ key: 'OPENAI_API_KEY', label: 'API Key', required: true, placeholder: 'sk-...' }],
  },
  {
    id: 'google',
    name: 'Google',
    credentials: [
      { key: 'GOOGLE_GENERATIVE_AI_API_KEY', label: 'API Key', required: true, placeholder: 'AIza...' },
    ],
  },
];

export const MODELS: Record<string, Model[]> = {
  anthropic: [
    {
      id: 'claude-opus-4.5',
      name: 'Claude Opus 4.5',
      releaseDate: '2025-11-24',
      reasoning: true,
      toolCall: true,
      contextLimit: 200_000,
      inputCost: 5,
      outputCost: 25,
    },
    {
      id: 'claude-sonnet-4-5',
      name: 'Claude Sonnet 4.5',
      releaseDate: '2025-09-29',
      reasoning: true,
      toolCall: true,
      contextLimit: 200_000,
      inputCost: 3,
      outputCost: 15,
    },
    {
      id: 'claude-haiku-4-5',
      name: 'Claude Haiku 4.5',
      releaseDate: '2025-10-15',
      reasoning: true,
      toolCall: true,
      contextLimit: 200_000,
      inputCost: 1,
      outputCost: 5,
    },
  ],
  openai: [
    {
      id: 'gpt-5',
      name: 'GPT-5',
      releaseDate: '2025-08-07',
      reasoning: true,
      toolCall: true,
      contextLimit: 400_000,
      inputCost: 1.25,
      outputCost: 10,
    },
    {
      id: 'gpt-5-mini',
      name: 'GPT-5 mini',
      releaseDate: '2025-08-07',
      reasoning: true,
      toolCall: true,
      contextLimit: 400_000,
      inputCost: 0.25,
      outputCost: 2,
    },
  ],
  google: [
    {
      id: 'gemini-2.5-pro',
      name: 'Gemini 2.5 Pro',
      releaseDate: '2025-06-17',
      reasoning: true,
      toolCall: true,
      contextLimit: 1_048_576,
      inputCost: 1.25,
      outputCost: 10,
    },
  ],
};
