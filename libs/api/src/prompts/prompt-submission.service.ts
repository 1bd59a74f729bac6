import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  JsonTooDeepError,
  NodeRegistry,
  PromptWorker,
  copyJson,
  isPlainObject,
  parseJsonKeepingFloats,
  pythonBool,
  pythonFloat,
  validatePrompt,
  type ApiPrompt,
  type NodeErrors,
  type PromptQueue,
} from '@easel/executor';
import type { DependencyContainer } from '@easel/core';
import { PACK_SERVICES, PROMPT_QUEUE, comboContextOf } from '../runtime/runtime.js';

/** What `POST /prompt` answers. */
export type SubmissionResult =
  | { status: 200; body: { prompt_id: string; number: number; node_errors: NodeErrors }; promptId: string }
  | { status: 400; body: { error: PromptErrorBody; node_errors: NodeErrors } };

export interface PromptErrorBody {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

/** extra_data keys that hold secrets: kept out of the queue listing, history and the database. */
const SENSITIVE_KEYS = ['auth_token_comfy_org', 'api_key_comfy_org'];

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** ComfyUI's UUID check: parsing and printing the id must give it back unchanged. */
export function isCanonicalUuid(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL_UUID.test(value);
}

function reject(
  type: string,
  message: string,
  details: string,
  nodeErrors: NodeErrors = {},
): SubmissionResult {
  return {
    status: 400,
    body: { error: { type, message, details, extra_info: {} }, node_errors: nodeErrors },
  };
}

/** `POST /prompt`: ComfyUI's checks, in ComfyUI's order, then the prompt joins the queue. */
@Injectable()
export class PromptSubmissionService implements OnModuleInit {
  private counter = 0;

  constructor(
    private readonly registry: NodeRegistry,
    @Inject(PACK_SERVICES) private readonly services: DependencyContainer,
    @Inject(PROMPT_QUEUE) private readonly queue: PromptQueue,
    private readonly worker: PromptWorker,
  ) {}

  /**
   * @param rawBody the request body as received (floats like `5.0` must stay floats)
   * @param usageSource the `Comfy-Usage-Source` request header
   * @param onAnswered called with a release function, to be called once the response is written:
   *   it broadcasts the queue status and lets the worker send the prompt's events
   */
  async submit(
    rawBody: Buffer | undefined,
    usageSource: string | undefined,
    onAnswered: (release: () => void) => void,
  ): Promise<SubmissionResult> {
    let body: unknown;
    try {
      body = parseJsonKeepingFloats(rawBody?.toString('utf8') ?? '');
    } catch (error) {
      if (error instanceof JsonTooDeepError)
        return reject('invalid_prompt', 'Request body is nested too deeply', error.message);
      return reject('invalid_json', 'Request body is not valid JSON', (error as Error).message);
    }
    if (!isPlainObject(body)) return reject('invalid_prompt', 'Request body must be a JSON object', '');

    // ComfyUI takes the number before validating, so rejected prompts use up numbers too
    let number: number;
    if ('number' in body) {
      try {
        number = pythonFloat(body.number);
      } catch {
        return reject('invalid_prompt', 'number must be a number', `number: ${JSON.stringify(body.number)}`);
      }
    } else {
      number = this.counter++;
      if ('front' in body && pythonBool(body.front)) number = -number;
    }

    if (!('prompt' in body)) return reject('no_prompt', 'No prompt provided', 'No prompt provided');
    let promptId: string;
    if (body.prompt_id === undefined || body.prompt_id === null) {
      promptId = randomUUID();
    } else if (isCanonicalUuid(body.prompt_id)) {
      promptId = body.prompt_id;
    } else {
      return reject(
        'invalid_prompt_id',
        'prompt_id must be a valid UUID',
        'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one',
      );
    }
    const prompt = body.prompt;
    if (!isPlainObject(prompt))
      return reject('invalid_prompt', 'prompt must be a JSON object of nodes', `prompt: ${typeof prompt}`);
    let targets: string[] | null = null;
    if (body.partial_execution_targets !== undefined && body.partial_execution_targets !== null) {
      const given = body.partial_execution_targets;
      if (!Array.isArray(given) || !given.every((t) => typeof t === 'string'))
        return reject(
          'invalid_prompt',
          'partial_execution_targets must be a list of node ids',
          'partial_execution_targets',
        );
      targets = given;
    }

    const validation = await validatePrompt(
      prompt as ApiPrompt,
      this.registry,
      comboContextOf(this.services),
      targets,
    );
    if (!validation.ok)
      return { status: 400, body: { error: validation.error, node_errors: validation.nodeErrors } };

    const extraData: Record<string, unknown> = isPlainObject(body.extra_data)
      ? copyJson(body.extra_data)
      : {};
    if ('client_id' in body) extraData.client_id = body.client_id;
    if (!('comfy_usage_source' in extraData) && usageSource !== undefined)
      extraData.comfy_usage_source = usageSource;
    const sensitive: Record<string, unknown> = {};
    for (const key of SENSITIVE_KEYS) {
      if (Object.prototype.hasOwnProperty.call(extraData, key)) {
        sensitive[key] = extraData[key];
        delete extraData[key];
      }
    }
    extraData.create_time = Date.now();

    const release = this.worker.hold(promptId);
    onAnswered(release);
    await this.queue.put({
      number,
      promptId,
      prompt: copyJson(prompt as ApiPrompt),
      extraData,
      outputs: validation.outputs,
      ...(Object.keys(sensitive).length > 0 && { sensitive }),
    });
    return {
      status: 200,
      promptId,
      body: { prompt_id: promptId, number, node_errors: validation.nodeErrors },
    };
  }

  /** ComfyUI's counter starts at 0; Easel's continues after the prompts a restart kept. */
  async onModuleInit(): Promise<void> {
    const max = await this.queue.maxNumber();
    this.counter = max === null ? 0 : Math.max(0, Math.floor(max) + 1);
  }
}
