import { describe, expect, it } from 'vitest';
import {
  ApiErrorBody,
  CreateAgentRunRequest,
  CreateAgentRunResponse,
  CreateScheduleRequest,
  CreateScheduleResponse,
  DeleteScheduleResponse,
  ListAgentRunsResponse,
  ListSchedulesResponse,
  ModelsResponse,
  ProvidersResponse,
  ResumeAgentRunRequest,
  ResumeAgentRunResponse,
  RunDetail,
  ScheduleDetail,
  StopAgentRunResponse,
} from '../../../src/codecloud/schemas.js';
import { describeZodIssues } from '../../../src/validation-error.js';

function issues(result: { success: boolean; error?: Parameters<typeof describeZodIssues>[0] }): string {
  if (result.success || !result.error) throw new Error('expected a parse failure');
  return describeZodIssues(result.error);
}

describe('CreateAgentRunRequest', () => {
  it('fills the documented defaults: mode execute, auto_create_pr true, blank_workspace false', () => {
    expect(CreateAgentRunRequest.parse({ prompt: 'fix it', repo: 'owner/repo' })).toEqual({
      prompt: 'fix it',
      repo: 'owner/repo',
      mode: 'execute',
      auto_create_pr: true,
      blank_workspace: false,
    });
  });

  it('keeps explicit values', () => {
    expect(
      CreateAgentRunRequest.parse({
        prompt: 'p',
        mode: 'plan',
        auto_create_pr: false,
        blank_workspace: true,
      }),
    ).toMatchObject({ mode: 'plan', auto_create_pr: false, blank_workspace: true });
  });

  it('names the missing required field', () => {
    expect(issues(CreateAgentRunRequest.safeParse({ repo: 'o/r' }))).toMatch(/^prompt: /);
  });

  it('gives the documented repo message', () => {
    expect(issues(CreateAgentRunRequest.safeParse({ prompt: 'p', repo: 'not a repo' }))).toBe(
      'repo: repo must be in format: owner/repo',
    );
  });

  it('names nested fields (tools[0].endpoint.method)', () => {
    const tool = {
      name: 'search',
      description: 'Search',
      parameters: { properties: {} },
      endpoint: { url: 'https://api.example.com', method: 'FETCH' },
    };
    expect(issues(CreateAgentRunRequest.safeParse({ prompt: 'p', tools: [tool] }))).toMatch(
      /^tools\.0\.endpoint\.method: /,
    );
  });

  it('tolerates unknown extra fields', () => {
    const parsed = CreateAgentRunRequest.safeParse({ prompt: 'p', repo: 'o/r', future_field: 1 });
    expect(parsed.success).toBe(true);
  });
});

describe('responses (documented examples)', () => {
  it('CreateAgentRunResponse', () => {
    const body = {
      id: 'jd7x8k9m2n3p4q5r',
      title: 'Add auth',
      status: 'queued',
      message: 'created',
      extra: true,
    };
    expect(CreateAgentRunResponse.parse(body)).toEqual({
      id: 'jd7x8k9m2n3p4q5r',
      title: 'Add auth',
      status: 'queued',
      message: 'created',
    });
    expect(issues(CreateAgentRunResponse.safeParse({ ...body, status: 'running' }))).toMatch(/^status: /);
  });

  it('RunDetail: prs is required, the rest optional; unknown fields tolerated', () => {
    const detail = {
      id: 'r1',
      status: 'completed',
      mode: 'execute',
      prompt: 'Add auth',
      result: 'Done',
      repo: 'owner/repo',
      pr_url: 'https://github.com/owner/repo/pull/123',
      pr_number: 123,
      prs: [{ url: 'https://github.com/owner/repo/pull/123', number: 123, branch: 'b', repo: 'owner/repo' }],
      input_tokens: 10,
      output_tokens: 5,
      createdAt: '2025-01-16T12:00:00.000Z',
      startedAt: '2025-01-16T12:00:01.000Z',
      completedAt: '2025-01-16T12:05:00.000Z',
      sandbox: 'unknown-extra',
    };
    expect(RunDetail.parse(detail).pr_number).toBe(123);
    const { prs: _prs, ...withoutPrs } = detail;
    expect(issues(RunDetail.safeParse(withoutPrs))).toMatch(/^prs: /);
    const { prompt: _prompt, ...withoutPrompt } = detail;
    expect(issues(RunDetail.safeParse(withoutPrompt))).toMatch(/^prompt: /);
    expect(issues(RunDetail.safeParse({ ...detail, prs: [{ url: 'u', number: 1, branch: 'b' }] }))).toMatch(
      /^prs\.0\.repo: /,
    );
  });

  it('ListAgentRunsResponse names a missing createdAt', () => {
    expect(issues(ListAgentRunsResponse.safeParse({ runs: [{ id: 'r', status: 'queued' }] }))).toMatch(
      /^runs\.0\.createdAt: /,
    );
  });

  it('follow-up request and response, stop response', () => {
    expect(ResumeAgentRunRequest.parse({ prompt: 'more', update_pr: true, idempotency_key: 'k' })).toEqual({
      prompt: 'more',
      update_pr: true,
      idempotency_key: 'k',
    });
    expect(issues(ResumeAgentRunRequest.safeParse({ update_pr: true }))).toMatch(/^prompt: /);
    expect(ResumeAgentRunResponse.parse({ id: 'r', status: 'running', message: 'ok' }).status).toBe(
      'running',
    );
    expect(StopAgentRunResponse.parse({ id: 'r', status: 'failed', message: 'Run stopped' }).status).toBe(
      'failed',
    );
    expect(issues(StopAgentRunResponse.safeParse({ id: 'r', status: 'running', message: 'x' }))).toMatch(
      /^status: /,
    );
  });

  it('the error body', () => {
    expect(
      ApiErrorBody.parse({ error: 'Validation Error', message: 'repo: repo must be in format: owner/repo' }),
    ).toEqual({ error: 'Validation Error', message: 'repo: repo must be in format: owner/repo' });
    expect(issues(ApiErrorBody.safeParse({ error: 'Validation Error' }))).toMatch(/^message: /);
  });
});

describe('schedules', () => {
  it('CreateScheduleRequest defaults mode execute and auto_create_pr true', () => {
    expect(
      CreateScheduleRequest.parse({
        type: 'recurring',
        cron: '0 */6 * * *',
        prompt: 'p',
        repo: 'owner/repo',
      }),
    ).toMatchObject({ mode: 'execute', auto_create_pr: true });
    expect(issues(CreateScheduleRequest.safeParse({ prompt: 'p' }))).toMatch(/^type: /);
  });

  it('responses: create, list, detail with last_run_id (004), delete', () => {
    expect(
      CreateScheduleResponse.parse({
        id: 's',
        type: 'once',
        status: 'active',
        next_run_at: '2025-03-01T09:00:00Z',
        message: 'ok',
      }).type,
    ).toBe('once');
    const summary = {
      id: 's',
      type: 'recurring',
      status: 'active',
      prompt: 'p',
      cron: '0 */6 * * *',
      total_runs: 2,
      total_skips: 1,
      created_at: '2025-02-15T18:00:00.000Z',
    };
    expect(ListSchedulesResponse.parse({ schedules: [summary] }).schedules).toHaveLength(1);
    expect(
      issues(ListSchedulesResponse.safeParse({ schedules: [{ ...summary, total_runs: undefined }] })),
    ).toMatch(/^schedules\.0\.total_runs: /);
    expect(ScheduleDetail.parse({ ...summary, last_run_id: 'def456' }).last_run_id).toBe('def456');
    expect(DeleteScheduleResponse.parse({ id: 's', status: 'deleted', message: 'gone' }).status).toBe(
      'deleted',
    );
  });
});

describe('providers and models', () => {
  it('a credential is required unless it says otherwise', () => {
    const parsed = ProvidersResponse.parse({
      providers: [
        { id: 'anthropic', name: 'Anthropic', credentials: [{ key: 'ANTHROPIC_API_KEY', label: 'API Key' }] },
      ],
    });
    expect(parsed.providers[0]?.credentials[0]?.required).toBe(true);
  });

  it('models are grouped by provider id', () => {
    const parsed = ModelsResponse.parse({
      generatedAt: '2026-01-28T15:36:36.566Z',
      source: 'https://models.dev',
      models: {
        anthropic: [{ id: 'claude-sonnet-4-5', name: 'Claude Sonnet 4.5', reasoning: true, toolCall: true }],
      },
    });
    expect(parsed.models.anthropic?.[0]?.id).toBe('claude-sonnet-4-5');
    expect(
      issues(
        ModelsResponse.safeParse({ generatedAt: 'x', source: 'y', models: { a: [{ id: 'm', name: 'M' }] } }),
      ),
    ).toMatch(/^models\.a\.0\.reasoning: /);
  });
});
