import type { HistoryEntry, QueueItem } from '@easel/executor';
import {
  historyJob,
  historyJobDetail,
  parseJobQuery,
  parsePythonInt,
  queueJob,
  selectJobs,
  type Job,
  type JobQuery,
} from './jobs.js';

// Behaviours of ComfyUI's comfy_execution/jobs.py, after its unit tests (tests/execution/test_jobs.py).

function entry(
  outputs: HistoryEntry['outputs'],
  messages: HistoryEntry['status']['messages'] = [],
  statusStr: 'success' | 'error' = 'success',
): HistoryEntry {
  return {
    prompt: [
      5,
      'p',
      { '1': { class_type: 'X', inputs: {} } },
      { create_time: 1234567890000, extra_pnginfo: { workflow: { id: 'wf' } } },
      ['1'],
    ],
    outputs,
    status: { status_str: statusStr, completed: statusStr === 'success', messages },
    meta: {},
  };
}

const image = (filename: string, type = 'output') => ({ filename, subfolder: '', type });

describe('jobs (ported from ComfyUI test_jobs.py)', () => {
  it('normalizes a queue item: pending, priority, create time, workflow id, no history fields', () => {
    const item: QueueItem = {
      number: 10,
      promptId: 'prompt-123',
      prompt: {},
      extraData: { create_time: 1234567890, extra_pnginfo: { workflow: { id: 'workflow-abc' } } },
      outputs: ['node1'],
    };
    expect(queueJob(item, 'pending')).toEqual({
      id: 'prompt-123',
      status: 'pending',
      priority: 10,
      create_time: 1234567890,
      outputs_count: 0,
      workflow_id: 'workflow-abc',
    });
  });

  it('normalizes history: completed, failed and cancelled, with times from the messages', () => {
    const start: [string, Record<string, unknown>] = ['execution_start', { timestamp: 1234567890500 }];
    const done = historyJob('p', entry({}, [start, ['execution_success', { timestamp: 1234567893000 }]]));
    expect(done).toMatchObject({
      id: 'p',
      status: 'completed',
      priority: 5,
      execution_start_time: 1234567890500,
      execution_end_time: 1234567893000,
      workflow_id: 'wf',
      outputs_count: 0,
    });
    const error = {
      node_id: '5',
      node_type: 'KSampler',
      exception_message: 'CUDA out of memory',
      timestamp: 2,
    };
    const failed = historyJob('p', entry({}, [start, ['execution_error', error]], 'error'));
    expect(failed.status).toBe('failed');
    expect(failed.execution_error).toEqual(error);
    const cancelled = historyJob(
      'p',
      entry({}, [start, ['execution_interrupted', { timestamp: 3 }]], 'error'),
    );
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled).not.toHaveProperty('execution_error');
  });

  it('counts outputs and prefers an output-type visual item as the preview', () => {
    const job = historyJob(
      'p',
      entry({
        '1': { images: [image('temp.png', 'temp'), image('saved.png')], animated: [true] },
        '2': { latents: [{ filename: 'a.latent', subfolder: '', type: 'output' }] },
      }),
    );
    expect(job.outputs_count).toBe(3);
    expect(job.preview_output).toEqual({ ...image('saved.png'), nodeId: '1', mediaType: 'images' });
  });

  it('turns 3D file names into items and falls back to raw text', () => {
    const model = historyJob('p', entry({ '9': { result: ['preview3d_abc123.glb', null] } }));
    expect(model.outputs_count).toBe(1);
    expect(model.preview_output).toEqual({
      filename: 'preview3d_abc123.glb',
      type: 'output',
      subfolder: '',
      mediaType: '3d',
      nodeId: '9',
    });
    const text = historyJob('p', entry({ '4': { text: ['hello world'] } }));
    expect(text.outputs_count).toBe(0);
    expect(text.preview_output).toEqual({ content: 'hello world', nodeId: '4', mediaType: 'text' });
    const long = historyJob('p', entry({ '4': { text: ['x'.repeat(2000)] } }));
    expect(long.preview_output).toMatchObject({ truncated: true });
    expect((long.preview_output as { content: string }).content).toHaveLength(1024);
  });

  it('prefers visual media over saved text files, and saved text over raw text', () => {
    const mixed = historyJob(
      'p',
      entry({
        '1': { files: [{ filename: 'notes.txt', subfolder: '', type: 'output' }] },
        '2': { images: [image('a.png')] },
      }),
    );
    expect(mixed.outputs_count).toBe(2);
    expect(mixed.preview_output).toMatchObject({ filename: 'a.png', mediaType: 'images' });
    const video = historyJob(
      'p',
      entry({
        '1': { files: [{ filename: 'clip.webm', format: 'video/webm', subfolder: '', type: 'output' }] },
      }),
    );
    expect(video.preview_output).toMatchObject({ filename: 'clip.webm', nodeId: '1' });
    const savedText = historyJob(
      'p',
      entry({
        '1': { text: ['raw'] },
        '2': { files: [{ filename: 'out.txt', subfolder: '', type: 'output' }] },
      }),
    );
    expect(savedText.outputs_count).toBe(1);
    expect(savedText.preview_output).toMatchObject({ filename: 'out.txt', mediaType: 'files', nodeId: '2' });
  });

  it('adds outputs (3D strings normalized, nulls dropped), status and workflow to the detail', () => {
    const detail = historyJobDetail(
      'p',
      entry({ '1': { result: ['m.glb', null, 'data.json'], animated: [false] } }),
    );
    expect(detail.outputs).toEqual({
      '1': {
        result: [{ filename: 'm.glb', type: 'output', subfolder: '', mediaType: '3d' }, 'data.json'],
        animated: [false],
      },
    });
    expect(detail.workflow).toEqual({
      prompt: { '1': { class_type: 'X', inputs: {} } },
      extra_data: { create_time: 1234567890000, extra_pnginfo: { workflow: { id: 'wf' } } },
    });
    expect(detail.execution_status).toMatchObject({ status_str: 'success' });
  });

  it("parses the query with ComfyUI's messages", () => {
    expect(parseJobQuery({ status: 'Completed, failed' })).toMatchObject({
      statuses: ['completed', 'failed'],
    });
    expect(parseJobQuery({ status: 'done,failed' })).toBe(
      'Invalid status value(s): done. Valid values: pending, in_progress, completed, failed, cancelled',
    );
    expect(parseJobQuery({ sort_by: 'name' })).toBe("sort_by must be 'created_at' or 'execution_duration'");
    expect(parseJobQuery({ sort_order: 'up' })).toBe("sort_order must be 'asc' or 'desc'");
    expect(parseJobQuery({ limit: 'x' })).toBe('limit must be an integer');
    expect(parseJobQuery({ limit: '0' })).toBe('limit must be a positive integer');
    expect(parseJobQuery({ offset: 'x' })).toBe('offset must be an integer');
    expect(parseJobQuery({ offset: '-5' })).toMatchObject({ offset: 0 });
    expect([
      parsePythonInt(' 12 '),
      parsePythonInt('+3'),
      parsePythonInt('1_000'),
      parsePythonInt('1.0'),
    ]).toEqual([12, 3, 1000, null]);
  });

  it('sorts stably by created_at or execution duration and pages', () => {
    const job = (id: string, create: number | undefined, start?: number, end?: number): Job => ({
      id,
      status: 'completed',
      ...(create !== undefined && { create_time: create }),
      ...(start !== undefined && { execution_start_time: start }),
      ...(end !== undefined && { execution_end_time: end }),
    });
    const jobs = [job('a', 100, 0, 5000), job('b', 300, 0, 1000), job('c', 200, 0, 3000)];
    const query = (q: Partial<JobQuery>): JobQuery => ({
      statuses: null,
      workflowId: null,
      sortBy: 'created_at',
      sortOrder: 'desc',
      limit: null,
      offset: 0,
      ...q,
    });
    const ids = (q: Partial<JobQuery>) => selectJobs(jobs, query(q)).jobs.map((j) => j.id);
    expect(ids({})).toEqual(['b', 'c', 'a']);
    expect(ids({ sortOrder: 'asc' })).toEqual(['a', 'c', 'b']);
    expect(ids({ sortBy: 'execution_duration' })).toEqual(['a', 'c', 'b']);
    expect(selectJobs([job('x', undefined), ...jobs], query({ sortOrder: 'asc' })).jobs[0].id).toBe('x');
    expect(selectJobs(jobs, query({ limit: 2, offset: 1 }))).toEqual({
      jobs: [jobs[2], jobs[0]],
      pagination: { offset: 1, limit: 2, total: 3, has_more: false },
    });
    expect(selectJobs(jobs, query({ limit: 1 })).pagination).toEqual({
      offset: 0,
      limit: 1,
      total: 3,
      has_more: true,
    });
  });
});
