import { isDeepStrictEqual } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startServerProcess, type ServerProcess } from './testing/server-process.js';

// GET /openapi.json of the real, built server: a valid OpenAPI document that lists every route
// Nest registered (as the server logs them at --verbose DEBUG), says what each one takes and
// answers, and equals the committed docs/openapi.json.

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const REGENERATE = 'run `npm run build && npm run openapi` and commit docs/openapi.json';

/**
 * Controllers whose routes are listed but not yet annotated (other engineers are writing them);
 * remove a name once its controller follows the pattern in libs/api/src/openapi/openapi.module.ts.
 */
const NOT_YET_ANNOTATED = new Set<string>([]);

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: { name: string; in: string }[];
  responses?: Record<string, { description?: string }>;
}

interface Document {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
}

/** `/a/:b/*` and `/a/{b}/{path}` alike: every parameter becomes `{}`. */
const shapeOf = (path: string) =>
  path
    .replace(/\{[^}]+\}/g, '{}')
    .replace(/:[^/]+/g, '{}')
    .replace(/\*/g, '{}');

/** The routes Nest mapped, from its "Mapped {/path, METHOD} route" log lines. */
function mappedRoutes(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  return [...plain.matchAll(/Mapped \{([^,]+), ([A-Z]+)\} route/g)].map(
    ([, path, method]) => `${method.toLowerCase()} ${shapeOf(path)}`,
  );
}

function operationsOf(document: Document): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]): [string, Operation] => [`${method} ${path}`, operation]),
  );
}

/** Which operations and components differ, for a failure message a person can act on. */
function differences(served: Document, committed: Document): string[] {
  const lines: string[] = [];
  const compare = (label: string, a: Record<string, unknown>, b: Record<string, unknown>) => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(key in b)) lines.push(`  ${label} ${key}: new, not in docs/openapi.json`);
      else if (!(key in a)) lines.push(`  ${label} ${key}: in docs/openapi.json, no longer served`);
      else if (!isDeepStrictEqual(a[key], b[key])) lines.push(`  ${label} ${key}: changed`);
    }
  };
  compare('path', served.paths, committed.paths);
  const rest = (document: Document) => {
    const { paths: _paths, ...others } = document as unknown as Record<string, unknown>;
    return others;
  };
  compare('top-level', rest(served), rest(committed));
  return lines;
}

describe('GET /openapi.json (end to end)', () => {
  let base: string;
  let server: ServerProcess;
  let document: Document;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-openapi-e2e-'));
    server = await startServerProcess(['--base-directory', base, '--verbose', 'DEBUG'], 60_000);
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    // parsed here, so its objects and the committed file's come from one realm (deep equality)
    document = JSON.parse(await response.text()) as Document;
  }, 90_000);

  afterAll(async () => {
    const code = await server?.stop();
    await rm(base, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const result = await new Validator().validate(structuredClone(document) as never);
    expect(result).toEqual({ valid: true });
    expect(document.openapi).toBe('3.1.0');
  });

  it("carries Easel's version and says which paths are also under /api", async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'libs/api/package.json'), 'utf8')) as {
      version: string;
    };
    expect(document.info).toMatchObject({ title: 'Easel', version });
    expect(document.info.description).toContain('also served with an `/api` prefix');
    expect(document.info.description).toContain('except `/internal/*`');
    expect(document.info.description).toContain('WebSocket `/ws`');
  });

  it('is served under /api too, and /internal only without it, as the description says', async () => {
    const prefixed = await fetch(`${server.url}/api/openapi.json`);
    expect(prefixed.status).toBe(200);
    expect(await prefixed.json()).toEqual(document);
    expect((await fetch(`${server.url}/internal/packs`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/internal/packs`)).status).toBe(404);
  });

  it('lists every route Nest registered, by its bare path, and nothing else but /ws', () => {
    const registered = mappedRoutes(server.output());
    // the parser must have found the routes, or this test would pass on nothing
    expect(registered).toEqual(expect.arrayContaining(['get /prompt', 'post /prompt', 'get /openapi.json']));
    const documented = operationsOf(document).map(([key]) => {
      const [method, path] = key.split(' ');
      return `${method} ${shapeOf(path)}`;
    });
    expect([...new Set(registered)].sort()).toEqual(documented.filter((key) => key !== 'get /ws').sort());
    expect(
      Object.keys(document.paths).filter((path) => path.startsWith('/api/') && !path.startsWith('/api/jobs')),
    ).toEqual([]);
  });

  it('documents each operation: a summary, described answers and its path parameters', () => {
    const undocumented: string[] = [];
    for (const [key, operation] of operationsOf(document)) {
      const controller = operation.operationId?.split('_')[0] ?? '';
      const responses = Object.entries(operation.responses ?? {});
      if (responses.length === 0) undocumented.push(`${key}: no responses`);
      if (NOT_YET_ANNOTATED.has(controller)) continue;
      if (!operation.summary) undocumented.push(`${key}: no summary (@ApiOperation)`);
      for (const [status, response] of responses)
        if (!response.description) undocumented.push(`${key}: answer ${status} is not described`);
      const pathParameters = [...key.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name);
      for (const name of pathParameters)
        if (!operation.parameters?.some((p) => p.in === 'path' && p.name === name))
          undocumented.push(`${key}: path parameter ${name} is not declared`);
    }
    expect(undocumented).toEqual([]);
  });

  it('keeps the not-yet-annotated list honest', () => {
    const annotated = [...NOT_YET_ANNOTATED].filter((controller) => {
      const operations = operationsOf(document).filter(([, op]) =>
        op.operationId?.startsWith(`${controller}_`),
      );
      return operations.length > 0 && operations.every(([, op]) => op.summary);
    });
    expect(annotated).toEqual([]);
  });

  it('lists paths in a stable order', () => {
    const paths = Object.keys(document.paths);
    expect(paths).toEqual([...paths].sort());
  });

  it('equals the committed docs/openapi.json', async () => {
    const committed = JSON.parse(await readFile(join(REPO, 'docs/openapi.json'), 'utf8')) as Document;
    if (!isDeepStrictEqual(document, committed)) {
      throw new Error(
        `docs/openapi.json is not the document the server serves: ${REGENERATE}.\n` +
          differences(document, committed).join('\n'),
      );
    }
  });
});
