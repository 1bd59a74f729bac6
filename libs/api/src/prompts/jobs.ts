import type { HistoryEntry, QueueItem } from '@easel/executor';

// ComfyUI's jobs API (comfy_execution/jobs.py): one view over the queue and history, the way the
// current frontend reads them.

export const JOB_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type Job = Record<string, unknown> & { id: string; status: JobStatus };

const MODEL_3D = ['.obj', '.fbx', '.gltf', '.glb', '.usdz'];
const TEXT_FILES = ['.txt', '.md', '.json'];
const PREVIEWABLE_MEDIA = ['images', 'video', 'audio', '3d'];

const hasExtension = (name: string, extensions: readonly string[]) =>
  extensions.some((ext) => name.toLowerCase().endsWith(ext));

/** Leaves out keys whose value is null or undefined, as ComfyUI does. */
function compact(job: Record<string, unknown>): Job {
  return Object.fromEntries(Object.entries(job).filter(([, v]) => v !== null && v !== undefined)) as Job;
}

function workflowId(extraData: Record<string, unknown>): unknown {
  const info = extraData.extra_pnginfo as { workflow?: { id?: unknown } } | undefined;
  return info?.workflow?.id ?? null;
}

/** A queued or running prompt as a job. */
export function queueJob(item: QueueItem, status: 'pending' | 'in_progress'): Job {
  return compact({
    id: item.promptId,
    status,
    priority: item.number,
    create_time: item.extraData.create_time,
    outputs_count: 0,
    workflow_id: workflowId(item.extraData),
  });
}

type OutputItem = Record<string, unknown>;

/** History outputs with 3D file names turned into items and null items left out. */
function normalizedOutputs(outputs: HistoryEntry['outputs']): Record<string, Record<string, unknown>> {
  const result: Record<string, Record<string, unknown>> = {};
  for (const [nodeId, ui] of Object.entries(outputs)) {
    const node: Record<string, unknown> = {};
    for (const [media, items] of Object.entries(ui)) {
      if (!Array.isArray(items)) {
        node[media] = items;
        continue;
      }
      node[media] = items
        .filter((item) => item !== null)
        .map((item) =>
          typeof item === 'string' && hasExtension(item, MODEL_3D)
            ? { filename: item, type: 'output', subfolder: '', mediaType: '3d' }
            : item,
        );
    }
    Object.defineProperty(result, nodeId, {
      value: node,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

function isPreviewable(media: string, item: OutputItem): boolean {
  if (PREVIEWABLE_MEDIA.includes(media) || media === 'text') return true;
  const format = typeof item.format === 'string' ? item.format : '';
  if (format.startsWith('video/') || format.startsWith('audio/')) return true;
  const filename = typeof item.filename === 'string' ? item.filename : '';
  return hasExtension(filename, MODEL_3D) || hasExtension(filename, TEXT_FILES);
}

/** ComfyUI's output count and preview choice over a history entry's outputs. */
function outputsSummary(outputs: HistoryEntry['outputs']): { count: number; preview: OutputItem | null } {
  let count = 0;
  let outputVisual: OutputItem | null = null;
  let otherVisual: OutputItem | null = null;
  let textFile: OutputItem | null = null;
  let rawText: OutputItem | null = null;
  for (const [nodeId, ui] of Object.entries(outputs)) {
    if (ui === null || typeof ui !== 'object') continue;
    for (const [media, items] of Object.entries(ui)) {
      if (media === 'animated' || !Array.isArray(items)) continue;
      for (const raw of items) {
        let item: OutputItem | null = null;
        if (typeof raw === 'string' && hasExtension(raw, MODEL_3D)) {
          item = { filename: raw, type: 'output', subfolder: '', mediaType: '3d' };
        } else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
          item = raw as OutputItem;
        }
        if (item === null) {
          if (media === 'text' && typeof raw === 'string' && rawText === null) {
            rawText = {
              content: raw.slice(0, 1024),
              ...(raw.length > 1024 && { truncated: true }),
              nodeId,
              mediaType: 'text',
            };
          }
          continue;
        }
        count += 1;
        if (!isPreviewable(media, item)) continue;
        const preview = { ...item, nodeId, mediaType: item.mediaType ?? media };
        const filename = typeof item.filename === 'string' ? item.filename : '';
        if (media === 'text' || hasExtension(filename, TEXT_FILES)) {
          textFile ??= preview;
        } else if (item.type === 'output') {
          outputVisual ??= preview;
        } else {
          otherVisual ??= preview;
        }
      }
    }
  }
  return { count, preview: outputVisual ?? otherVisual ?? textFile ?? rawText };
}

function statusOf(entry: HistoryEntry): JobStatus {
  if (entry.status.status_str !== 'error') return 'completed';
  return entry.status.messages.some(([event]) => event === 'execution_interrupted') ? 'cancelled' : 'failed';
}

/** A finished prompt as a job. */
export function historyJob(promptId: string, entry: HistoryEntry): Job {
  const [number, , , extraData] = entry.prompt;
  const messages = entry.status.messages;
  const start = messages.find(([event]) => event === 'execution_start')?.[1];
  const end = messages.find(([event]) =>
    ['execution_success', 'execution_error', 'execution_interrupted'].includes(event),
  )?.[1];
  const status = statusOf(entry);
  const error = status === 'failed' ? messages.find(([event]) => event === 'execution_error')?.[1] : null;
  const summary = outputsSummary(entry.outputs);
  return compact({
    id: promptId,
    status,
    priority: number,
    create_time: extraData.create_time,
    execution_start_time: start?.timestamp,
    execution_end_time: end?.timestamp,
    execution_error: error,
    outputs_count: summary.count,
    preview_output: summary.preview,
    workflow_id: workflowId(extraData),
  });
}

/** `GET /api/jobs/{id}` of a finished prompt: the job plus outputs, status and workflow. */
export function historyJobDetail(promptId: string, entry: HistoryEntry): Job {
  const [, , prompt, extraData] = entry.prompt;
  return {
    ...historyJob(promptId, entry),
    outputs: normalizedOutputs(entry.outputs),
    execution_status: entry.status,
    workflow: { prompt, extra_data: extraData },
  };
}

export interface JobQuery {
  statuses: JobStatus[] | null;
  workflowId: string | null;
  sortBy: 'created_at' | 'execution_duration';
  sortOrder: 'asc' | 'desc';
  limit: number | null;
  offset: number;
}

/** Parses `GET /api/jobs` query parameters; a string is ComfyUI's 400 message. */
export function parseJobQuery(query: Record<string, string | undefined>): JobQuery | string {
  let statuses: JobStatus[] | null = null;
  if (query.status !== undefined) {
    const given = query.status
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '');
    const bad = given.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
    if (bad.length > 0)
      return `Invalid status value(s): ${bad.join(', ')}. Valid values: ${JOB_STATUSES.join(', ')}`;
    statuses = given as JobStatus[];
  }
  const sortBy = query.sort_by ?? 'created_at';
  if (sortBy !== 'created_at' && sortBy !== 'execution_duration')
    return "sort_by must be 'created_at' or 'execution_duration'";
  const sortOrder = (query.sort_order ?? 'desc').toLowerCase();
  if (sortOrder !== 'asc' && sortOrder !== 'desc') return "sort_order must be 'asc' or 'desc'";
  let limit: number | null = null;
  if (query.limit !== undefined) {
    const parsed = parsePythonInt(query.limit);
    if (parsed === null) return 'limit must be an integer';
    if (parsed <= 0) return 'limit must be a positive integer';
    limit = parsed;
  }
  let offset = 0;
  if (query.offset !== undefined) {
    const parsed = parsePythonInt(query.offset);
    if (parsed === null) return 'offset must be an integer';
    offset = Math.max(0, parsed);
  }
  return { statuses, workflowId: query.workflow_id ?? null, sortBy, sortOrder, limit, offset };
}

/** Python's `int(text)`: optional sign, digits, surrounding whitespace, underscores between digits. */
export function parsePythonInt(text: string): number | null {
  const trimmed = text.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(trimmed)) return null;
  const value = Number(trimmed.replaceAll('_', ''));
  return Number.isSafeInteger(value) ? value : null;
}

/** Filters, sorts (stable) and pages jobs collected as running, pending, then history. */
export function selectJobs(
  jobs: Job[],
  query: JobQuery,
): { jobs: Job[]; pagination: { offset: number; limit: number | null; total: number; has_more: boolean } } {
  let selected = jobs;
  if (query.statuses !== null) {
    const wanted = new Set(query.statuses);
    selected = selected.filter((job) => wanted.has(job.status));
  }
  if (query.workflowId !== null) selected = selected.filter((job) => job.workflow_id === query.workflowId);
  const keyOf =
    query.sortBy === 'created_at'
      ? (job: Job) => (typeof job.create_time === 'number' ? job.create_time : 0)
      : (job: Job) =>
          typeof job.execution_start_time === 'number' && typeof job.execution_end_time === 'number'
            ? job.execution_end_time - job.execution_start_time
            : 0;
  const direction = query.sortOrder === 'desc' ? -1 : 1;
  // Python's sort(reverse=True) keeps equal items in their original order, as this does
  const sorted = selected
    .map((job, index) => ({ job, index, key: keyOf(job) }))
    .sort((a, b) => (a.key - b.key) * direction || a.index - b.index)
    .map((entry) => entry.job);
  const total = sorted.length;
  const page =
    query.limit === null
      ? sorted.slice(query.offset)
      : sorted.slice(query.offset, query.offset + query.limit);
  return {
    jobs: page,
    pagination: {
      offset: query.offset,
      limit: query.limit,
      total,
      has_more: query.offset + page.length < total,
    },
  };
}
