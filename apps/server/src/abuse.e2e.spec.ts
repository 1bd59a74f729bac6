import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { abuseCases, type AbuseCase } from './testing/abuse-cases.js';
import { rawRequest, type RawResponse } from './testing/raw-http.js';
import { startServerProcess, type ServerProcess } from './testing/server-process.js';

const WEB_PACK = fileURLToPath(new URL('../test/fixtures/web-pack', import.meta.url));

// The security perimeter under load: one multi-user server with a frontend build and a small
// body limit, in a temporary tree with sentinel files everywhere a way out of a folder could
// lead, gets well over a thousand generated requests (traversal in every encoding, odd names,
// wrong types and content types, oversize bodies, cross-site requests) on every route that
// touches files. None may answer 5xx, read or write outside its folder, or stop the server.

/** Every sentinel holds this; no answer and no file a request could write may. */
const MARK = 'EASEL-ABUSE-SECRET';
/** Sentinel images have this size; no answer or written image may. */
const SENTINEL_SIZE = { width: 13, height: 7 };
const ALICE = 'alice_1';
const BOB = 'bob_2';
/** --max-upload-size: 64 KiB, so oversize bodies stay small. */
const MAX_UPLOAD_MB = '0.0625';
const MAX_BODY_BYTES = 65536;
const CONCURRENCY = 8;
const BATCH = 250;
const REQUEST_TIMEOUT_MS = 20_000;

/** A line of /etc/passwd, which no answer may contain either. */
const PASSWD = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n')[0] : null;

async function put(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** type, size, mtime and hash of every entry under `root` (links not followed), skipping `skip`. */
async function snapshot(root: string, skip: (rel: string) => boolean): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (skip(rel)) continue;
      const stats = await lstat(path);
      if (stats.isSymbolicLink()) found.set(rel, `link -> ${await readlink(path)}`);
      else if (stats.isDirectory()) {
        // a folder's own mtime moves with legitimate writes below it: its entries are compared
        found.set(rel, 'dir');
        await walk(path);
      } else {
        const hash = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
        found.set(rel, `file ${String(stats.size)} bytes, mtime ${String(stats.mtimeMs)}, sha256 ${hash}`);
      }
    }
  };
  await walk(root);
  return found;
}

/** Every file under `dir` (links reported as such), relative to `root`. */
async function filesUnder(root: string, dir: string): Promise<{ rel: string; link: boolean }[]> {
  const found: { rel: string; link: boolean }[] = [];
  const walk = async (folder: string) => {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(folder, name);
      const stats = await lstat(path);
      if (stats.isDirectory()) await walk(path);
      else found.push({ rel: relative(root, path), link: stats.isSymbolicLink() });
    }
  };
  await walk(dir);
  return found;
}

async function imageSize(data: Buffer): Promise<{ width: number; height: number } | null> {
  try {
    const { width, height } = await sharp(data).metadata();
    return { width, height };
  } catch {
    return null;
  }
}

const isSentinelSize = (size: { width: number; height: number } | null) =>
  size !== null && size.width === SENTINEL_SIZE.width && size.height === SENTINEL_SIZE.height;

interface Answered {
  readonly kase: AbuseCase;
  readonly response: RawResponse | null;
  readonly error: string | null;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${String(ms)} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolvePromise(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Sends `cases` with at most `CONCURRENCY` in flight; answers in the cases' order. */
async function sendAll(port: number, cases: readonly AbuseCase[]): Promise<Answered[]> {
  const answers: Answered[] = new Array<Answered>(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      const kase = cases[index];
      try {
        const response = await withTimeout(rawRequest(port, kase.request), REQUEST_TIMEOUT_MS);
        answers[index] = { kase, response, error: null };
      } catch (error) {
        answers[index] = {
          kase,
          response: null,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return answers;
}

/** What is wrong with one answer, or null. */
async function problemOf({ kase, response, error }: Answered): Promise<string | null> {
  if (response === null) return `no answer: ${error ?? ''}`;
  const latin1 = response.body.toString('latin1');
  if (latin1.includes(MARK)) return `${String(response.status)} leaks a sentinel's content`;
  if (PASSWD !== null && latin1.includes(PASSWD)) return `${String(response.status)} leaks /etc/passwd`;
  if (response.status >= 500) {
    return `${String(response.status)} ${response.text.slice(0, 300)}`;
  }
  const declared = response.headers['content-length'];
  if (kase.request.method !== 'HEAD' && declared !== undefined && Number(declared) !== response.body.length) {
    return `${String(response.status)} with ${String(response.body.length)} bytes of a declared ${declared}`;
  }
  if (kase.expectStatus !== undefined && response.status !== kase.expectStatus) {
    return `${String(response.status)} where ${String(kase.expectStatus)} was expected: ${response.text.slice(0, 200)}`;
  }
  if (response.status === 200 && /^image\//.test(String(response.headers['content-type'] ?? ''))) {
    if (isSentinelSize(await imageSize(response.body))) return 'serves a sentinel image';
  }
  return null;
}

describe('abuse of every file-touching route (end to end)', () => {
  let tmp: string;
  let base: string;
  let server: ServerProcess;
  let cases: AbuseCase[];
  const answers: Answered[] = [];
  let before: Map<string, string>;
  let usersJsonBefore: Record<string, string>;
  const aliceRoot = () => join(base, 'user', ALICE);

  /** Folders requests may write in (`user/users.json` is checked on its own). */
  const legitimate = () =>
    ['input', 'output', 'temp', join('user', ALICE)].map((folder) => join('base', folder));
  const outsideLegitimate = (rel: string) =>
    rel === join('base', 'user', 'users.json') ||
    legitimate().some((folder) => rel === folder || rel.startsWith(folder + sep));

  const get = (path: string, user: string | null = ALICE) =>
    rawRequest(server.port, { path, headers: user === null ? {} : { 'comfy-user': user } });

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'easel-abuse-e2e-'));
    base = join(tmp, 'base');
    const secret = (where: string) => `${MARK} ${where}: no request may read, change or delete this`;
    const sentinelPng = await sharp({
      create: { ...SENTINEL_SIZE, channels: 3, background: { r: 250, g: 0, b: 250 } },
    })
      .png()
      .toBuffer();
    const legitPng = await sharp({ create: { width: 4, height: 4, channels: 4, background: '#336699' } })
      .png()
      .toBuffer();
    const safetensors = (metadata: Record<string, string>) => {
      const header = Buffer.from(JSON.stringify({ __metadata__: metadata }));
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(header.length));
      return Buffer.concat([length, header]);
    };

    // sentinels above the base directory, in it, and in every folder beside the legitimate ones
    for (const dir of [tmp, base, join(base, 'models'), join(base, 'custom_nodes'), join(base, 'user')]) {
      await put(join(dir, 'secret.txt'), secret(relative(tmp, join(dir, 'secret.txt'))));
    }
    for (const dir of [tmp, base, join(base, 'models')]) {
      await put(join(dir, 'secret.png'), sentinelPng);
      await put(join(dir, 'secret.safetensors'), safetensors({ secret: secret(relative(tmp, dir)) }));
    }
    await put(join(base, 'user', BOB, 'workflows', 'private.json'), secret("bob's workflow"));
    await put(
      join(base, 'user', BOB, 'comfy.settings.json'),
      JSON.stringify({ 'Bob.Secret': secret("bob's settings") }),
    );
    await put(join(base, 'user', '__system', 'secret.json'), secret('the system user'));
    for (const dir of [join(base, 'user', BOB), join(base, 'user', '__system')]) {
      await put(join(dir, 'secret.txt'), secret(relative(tmp, join(dir, 'secret.txt'))));
      await put(join(dir, 'secret.png'), sentinelPng);
    }
    await put(
      join(base, 'user', 'users.json'),
      JSON.stringify({ [ALICE]: 'Alice', [BOB]: 'Bob', __system: 'System' }),
    );
    // what may legitimately be read
    await put(join(base, 'input', 'legit.png'), legitPng);
    await put(join(base, 'input', 'notes.txt'), 'just text');
    await put(join(base, 'output', 'legit.png'), legitPng);
    await put(join(base, 'models', 'checkpoints', 'legit.safetensors'), safetensors({ title: 'legit' }));
    await put(join(base, 'models', 'checkpoints', 'legit.png'), legitPng);
    await put(join(base, 'models', 'embeddings', 'legit.pt'), 'embedding');
    await put(join(tmp, 'web', 'index.html'), '<!DOCTYPE html><title>abuse</title>');
    await put(join(tmp, 'web', 'assets', 'app.js'), 'console.log("app");');
    // a pack with a frontend extension folder, served at /extensions/web-pack/
    await cp(WEB_PACK, join(base, 'custom_nodes', 'web-pack'), { recursive: true });

    server = await startServerProcess(
      [
        '--base-directory',
        base,
        '--state-store',
        'memory',
        '--multi-user',
        '--front-end-root',
        join(tmp, 'web'),
        '--max-upload-size',
        MAX_UPLOAD_MB,
      ],
      60_000,
    );

    cases = abuseCases({
      alice: ALICE,
      bob: BOB,
      sentinelPaths: [join(tmp, 'secret.txt'), join(base, 'user', BOB, 'workflows', 'private.json')],
      maxBodyBytes: MAX_BODY_BYTES,
      png: legitPng,
      port: server.port,
    });
    // alice's own files that moves and the cross-site cases act on
    for (const kase of cases)
      if (kase.needsUserFile) await put(join(aliceRoot(), kase.needsUserFile), 'move me');
    await put(join(aliceRoot(), 'keep', 'xsite-victim.json'), 'keep me');
    before = await snapshot(tmp, outsideLegitimate);
    usersJsonBefore = JSON.parse(await readFile(join(base, 'user', 'users.json'), 'utf8')) as Record<
      string,
      string
    >;
  }, 120_000);

  afterAll(async () => {
    const code = await server?.stop();
    await rm(tmp, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('generates well over a thousand requests, on every file-touching route', () => {
    const perRoute = new Map<string, number>();
    for (const kase of cases) perRoute.set(kase.route, (perRoute.get(kase.route) ?? 0) + 1);
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const routes = [
      'GET /view',
      'POST /upload/image',
      'POST /upload/mask',
      'GET /models/{folder}',
      'GET /experiment/models/{folder}',
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      'GET /view_metadata/{folder}',
      'GET /embeddings',
      'GET /internal/files/{type}',
      'GET /internal/folder_paths',
      'GET /users',
      'POST /users',
      'GET /settings',
      'POST /settings',
      'GET /settings/{id}',
      'POST /settings/{id}',
      'GET /userdata',
      'GET /v2/userdata',
      'GET /userdata/{file}',
      'POST /userdata/{file}',
      'DELETE /userdata/{file}',
      'POST /userdata/{file}/move/{dest}',
      'GET /{path} (frontend)',
      'GET /extensions/{pack}/{path}',
      'POST /prompt',
    ];
    expect(routes.filter((route) => (perRoute.get(route) ?? 0) < 8)).toEqual([]);
    expect([...perRoute.keys()].filter((route) => !routes.includes(route))).toEqual([]);
    // every known status is one of the perimeter's answers
    expect(new Set(cases.flatMap((kase) => kase.expectStatus ?? []))).toEqual(new Set([401, 403, 413]));
  });

  it('answers every request below 500 (403 cross-site, 413 oversize) and keeps answering', async () => {
    const violations: string[] = [];
    for (let start = 0; start < cases.length; start += BATCH) {
      const batch = await sendAll(server.port, cases.slice(start, start + BATCH));
      answers.push(...batch);
      for (const answered of batch) {
        const problem = await problemOf(answered);
        if (problem === null) continue;
        const { kase } = answered;
        violations.push(
          `${kase.route} [${kase.position}] ${kase.payload}: ${kase.request.method ?? 'GET'} ${kase.request.path.slice(0, 120)} -> ${problem}`,
        );
      }
      const alive = await get('/system_stats');
      expect([`after request ${String(start + batch.length)}`, alive.status]).toEqual([
        `after request ${String(start + batch.length)}`,
        200,
      ]);
      expect(server.process.exitCode).toBeNull();
    }
    expect(answers.length).toBe(cases.length);
    expect(violations).toEqual([]);
  }, 300_000);

  it('fails every SaveImage prompt whose filename_prefix leads out of output/', async () => {
    expect(answers.length).toBe(cases.length);
    // let the queue run dry
    const deadline = Date.now() + 120_000;
    for (;;) {
      const queue = JSON.parse((await get('/queue')).text) as {
        queue_running: unknown[];
        queue_pending: unknown[];
      };
      if (queue.queue_running.length === 0 && queue.queue_pending.length === 0) break;
      if (Date.now() > deadline) throw new Error('the queue did not run dry within 2 minutes');
      await new Promise((done) => setTimeout(done, 200));
    }
    const history = JSON.parse((await get('/history?max_items=100000')).text) as Record<
      string,
      {
        status: { status_str: string };
        outputs: Record<string, { images?: { filename: string; subfolder: string; type: string }[] }>;
      }
    >;
    const output = resolve(base, 'output');
    const wrong: string[] = [];
    let escaping = 0;
    for (const { kase, response } of answers) {
      if (kase.savePrefix === undefined || response?.status !== 200) continue;
      const promptId = (JSON.parse(response.text) as { prompt_id: string }).prompt_id;
      const entry = history[promptId];
      if (entry === undefined) {
        wrong.push(`${kase.payload}: no history entry`);
        continue;
      }
      // ComfyUI's check: the normalised prefix's folder must stay in output/ (`%` tokens aside)
      const folder = resolve(output, dirname(normalize(kase.savePrefix)));
      const leadsOut =
        !kase.savePrefix.includes('%') && folder !== output && !folder.startsWith(output + sep);
      if (leadsOut) {
        escaping++;
        if (entry.status.status_str !== 'error') wrong.push(`${kase.payload}: ${entry.status.status_str}`);
      }
      for (const image of entry.outputs.save?.images ?? []) {
        const saved = resolve(output, image.subfolder, image.filename);
        if (image.type !== 'output' || !saved.startsWith(output + sep))
          wrong.push(`${kase.payload}: saved ${saved}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(escaping).toBeGreaterThan(10);
  }, 180_000);

  it('changed nothing outside the folders requests may write, and wrote no secret into them', async () => {
    expect(answers.length).toBe(cases.length);
    const after = await snapshot(tmp, outsideLegitimate);
    const changed = [...new Set([...before.keys(), ...after.keys()])]
      .filter((key) => before.get(key) !== after.get(key))
      .map((key) => `${key}: ${before.get(key) ?? 'absent'} -> ${after.get(key) ?? 'absent'}`);
    expect(changed).toEqual([]);

    // users.json: POST /users may add users with safe ids, nothing else
    const users = JSON.parse(await readFile(join(base, 'user', 'users.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(users).toMatchObject(usersJsonBefore);
    const added = Object.keys(users).filter((id) => !(id in usersJsonBefore));
    expect(
      added.filter(
        (id) => !/^[A-Za-z0-9_-]+_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id),
      ),
    ).toEqual([]);
    expect(Object.values(users).filter((name) => /xsite|oversize/.test(name))).toEqual([]);

    // the legitimate folders: no link, no sentinel content, no sentinel image
    const problems: string[] = [];
    for (const folder of legitimate()) {
      for (const { rel, link } of await filesUnder(tmp, join(tmp, folder))) {
        if (link) problems.push(`${rel} is a link`);
        const data = await readFile(join(tmp, rel));
        if (data.toString('latin1').includes(MARK)) problems.push(`${rel} holds a sentinel's content`);
        if (isSentinelSize(await imageSize(data))) problems.push(`${rel} is a sentinel image`);
      }
    }
    // cross-site and oversize requests wrote nothing, anywhere
    for (const { rel } of await filesUnder(tmp, tmp)) {
      if (/xsite-(?!victim)|oversize/.test(rel)) problems.push(`${rel} was written by a refused request`);
    }
    expect(problems).toEqual([]);
    expect(await readFile(join(aliceRoot(), 'keep', 'xsite-victim.json'), 'utf8')).toBe('keep me');
    const settings = JSON.parse((await get('/settings')).text) as Record<string, unknown>;
    expect(Object.keys(settings).filter((key) => /xsite|oversize/.test(key))).toEqual([]);
  });
});
