import type { RawRequest } from './raw-http.js';

// The requests of the abuse suite (abuse.e2e.spec.ts), generated deterministically: every name
// payload in every place a file-touching route takes a name, plus wrong types, wrong content
// types, oversize bodies and cross-site requests. Nothing here sends anything.

/** What the generator needs to know about the server and its temporary tree. */
export interface AbuseContext {
  /** The user every request acts as (comfy-user), unless the header itself is the payload. */
  readonly alice: string;
  /** The other user, whose files alice must never reach. */
  readonly bob: string;
  /** Absolute paths of sentinel files, tried as names as they are. */
  readonly sentinelPaths: readonly string[];
  /** `--max-upload-size` in bytes. */
  readonly maxBodyBytes: number;
  /** A small PNG of the size of `input/legit.png` (uploads and masks need a real image). */
  readonly png: Buffer;
  /** The server's port: a Host of another port is part of the cross-site cases. */
  readonly port: number;
}

/** One request and what is known about its answer. */
export interface AbuseCase {
  /** The route as documented, e.g. `GET /view`. */
  readonly route: string;
  /** Where the payload goes, e.g. `query filename (encoded)`. */
  readonly position: string;
  /** The payload, readable (JSON-quoted, cut short). */
  readonly payload: string;
  readonly request: RawRequest;
  /** The exact status when it is known (403 cross-site, 413 oversize, 401/403 unknown user). */
  readonly expectStatus?: number;
  /** A SaveImage prompt with this filename_prefix: its history entry is checked afterwards. */
  readonly savePrefix?: string;
  /** A file of alice's folder the request needs (relative, created before the run). */
  readonly needsUserFile?: string;
}

/** A name payload: what a client puts in a name position (before any URL encoding). */
interface Payload {
  readonly label: string;
  readonly value: string;
}

const BOUNDARY = 'AbuseBoundary7MA4YWxkTrZu0gW';

const short = (value: string) => {
  const quoted = JSON.stringify(value);
  return quoted.length > 70 ? `${quoted.slice(0, 60)}...(${value.length} chars)` : quoted;
};

/** The name payloads, each tried in every position. */
function namePayloads(context: AbuseContext): Payload[] {
  const { bob } = context;
  const values = [
    // plain traversal
    '..',
    '../',
    '../..',
    '../../..',
    '../models',
    '../user',
    `../user/${bob}`,
    '../user/__system',
    '../custom_nodes',
    '../input/../..',
    '../secret.txt',
    '../../secret.txt',
    '../../../secret.txt',
    '../'.repeat(100) + 'secret.txt',
    '....//....//secret.txt',
    '..;/secret.txt',
    '..\\secret.txt',
    '..\\..\\secret.txt',
    // percent-encoded once, twice, three times, mixed, malformed
    '%2e%2e',
    '%2e%2e%2fsecret.txt',
    '%2E%2E%2F%2E%2E%2Fsecret.txt',
    '%252e%252e%252fsecret.txt',
    '%25252e%25252e%25252fsecret.txt',
    '..%2f..%2fsecret.txt',
    '.%2e/%2e./secret.txt',
    '%2e%2e/%2e%2e/secret.txt',
    '..%5c..%5csecret.txt',
    '%255c..%255csecret.txt',
    '%',
    '%zz',
    '%e0%80',
    // overlong UTF-8 and fullwidth dots
    '%c0%ae%c0%ae%c0%afsecret.txt',
    '%c0%ae%c0%ae/secret.txt',
    '\uff0e\uff0e/secret.txt',
    '\uff0e\uff0e\uff0fsecret.txt',
    // absolute paths
    '/etc/passwd',
    'C:\\Windows\\win.ini',
    'C:secret.txt',
    '\\\\server\\share\\secret.txt',
    '//server/share/secret.txt',
    ...context.sentinelPaths,
    // NUL in the middle and at the end, raw and encoded
    'secret.txt\0.png',
    'secret.txt%00.png',
    'legit.png\0',
    'legit.png%00',
    // long names
    'a'.repeat(300),
    'b'.repeat(5000),
    // characters with a meaning elsewhere
    'a?b=c',
    'a#b',
    'a\nb',
    'a\r\nX-Injected: 1',
    'a"b\'c<d>e|f*g:h',
    '\u65e5\u672c\u8a9e\ud83d\ude00.png',
    'e\u0301\u200b\u202e.png',
    '.',
    '',
    ' ',
    // other users' files and system users
    'workflows/private.json',
    `../${bob}/workflows/private.json`,
    `..%2F${bob}%2Fcomfy.settings.json`,
    `../${bob}/comfy.settings.json`,
    '../__system/secret.json',
    '__system',
    '__system/secret.json',
    bob,
    // annotated names with traversal
    '../secret.txt [output]',
    '../../secret.txt [input]',
    '..%2fsecret.txt [temp]',
    '/etc/passwd [output]',
    '%2e%2e%2fsecret.txt [output]',
    'secret.txt [input] [output]',
    // the other folders of the base directory
    '../models/secret.txt',
    '../../models/secret.safetensors',
    '../custom_nodes/secret.txt',
    '../user/secret.txt',
  ];
  return values.map((value) => ({ label: short(value), value }));
}

/** The payload as written, with only what a request line cannot carry percent-encoded. */
export function asSent(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    out += code > 0x20 && code < 0x7f ? char : encodeURIComponent(char);
  }
  return out;
}

/** A URL position takes the payload twice: as written, and percent-encoded as one component. */
function urlForms(value: string): [string, string][] {
  return [
    ['as sent', asSent(value)],
    ['encoded', encodeURIComponent(value)],
  ];
}

export interface FormPartSpec {
  readonly name: string;
  readonly data: string | Buffer;
  /** `filename="..."`, written as it is (quotes and line breaks included). */
  readonly filename?: string;
  /** `filename*=UTF-8''...`, percent-encoded. */
  readonly filenameStar?: string;
  readonly contentType?: string;
}

/** A multipart/form-data body and its Content-Type. */
export function multipart(
  parts: readonly FormPartSpec[],
  boundary = BOUNDARY,
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let disposition = `Content-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) disposition += `; filename="${part.filename}"`;
    if (part.filenameStar !== undefined)
      disposition += `; filename*=UTF-8''${encodeURIComponent(part.filenameStar)}`;
    const type = part.contentType ?? (part.filename !== undefined ? 'image/png' : undefined);
    const head = `--${boundary}\r\n${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A header value Node's client will send (latin-1, no control characters but tab). */
function isSendableHeader(value: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
}

/** Every request of the suite, in a fixed order. */
export function abuseCases(context: AbuseContext): AbuseCase[] {
  const { alice, bob, png } = context;
  const asAlice = { 'comfy-user': alice };
  const cases: AbuseCase[] = [];
  let sourceCount = 0;
  /** A file in alice's folder for a move to take (each move case has its own). */
  const moveSource = () => `src/${String(sourceCount++)}.json`;

  const get = (
    route: string,
    position: string,
    payload: string,
    path: string,
    extra: Partial<AbuseCase> = {},
  ) => cases.push({ route, position, payload, request: { method: 'GET', path, headers: asAlice }, ...extra });
  const send = (
    route: string,
    position: string,
    payload: string,
    method: string,
    path: string,
    body?: string | Buffer,
    contentType?: string,
    extra: Partial<AbuseCase> = {},
  ) =>
    cases.push({
      route,
      position,
      payload,
      request: {
        method,
        path,
        headers: { ...asAlice, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
        body,
      },
      ...extra,
    });
  const upload = (route: string, position: string, payload: string, parts: FormPartSpec[]) => {
    const form = multipart(parts);
    send(route, position, payload, 'POST', route.slice('POST '.length), form.body, form.contentType);
  };
  const prompt = (position: string, payload: string, graph: object, extra: Partial<AbuseCase> = {}) =>
    send(
      'POST /prompt',
      position,
      payload,
      'POST',
      '/prompt',
      JSON.stringify({ prompt: graph }),
      'application/json',
      extra,
    );
  const image = (filename = 'abuse.png'): FormPartSpec => ({ name: 'image', filename, data: png });
  const inputRef = JSON.stringify({ filename: 'legit.png', type: 'input' });

  // --- every name payload in every name position ---
  for (const { label, value } of namePayloads(context)) {
    for (const [form, sent] of urlForms(value)) {
      get('GET /view', `query filename (${form})`, label, `/view?filename=${sent}`);
      // every sentinel is named secret.*: a subfolder that leads to one finds it
      get('GET /view', `query subfolder (${form})`, label, `/view?filename=secret.txt&subfolder=${sent}`);
      get('GET /view', `query type (${form})`, label, `/view?filename=legit.png&type=${sent}`);

      get('GET /models/{folder}', `path folder (${form})`, label, `/models/${sent}`);
      get('GET /experiment/models/{folder}', `path folder (${form})`, label, `/experiment/models/${sent}`);
      const preview = 'GET /experiment/models/preview/{folder}/{path_index}/{filename}';
      get(preview, `path folder (${form})`, label, `/experiment/models/preview/${sent}/0/legit.safetensors`);
      get(
        preview,
        `path path_index (${form})`,
        label,
        `/experiment/models/preview/checkpoints/${sent}/legit.safetensors`,
      );
      get(preview, `path filename (${form})`, label, `/experiment/models/preview/checkpoints/0/${sent}`);
      const metadata = 'GET /view_metadata/{folder}';
      get(metadata, `path folder (${form})`, label, `/view_metadata/${sent}?filename=legit.safetensors`);
      get(metadata, `query filename (${form})`, label, `/view_metadata/checkpoints?filename=${sent}`);
      get(
        metadata,
        `query filename + .safetensors (${form})`,
        label,
        `/view_metadata/checkpoints?filename=${sent}.safetensors`,
      );
      get('GET /internal/files/{type}', `path type (${form})`, label, `/internal/files/${sent}`);

      get('GET /settings/{id}', `path id (${form})`, label, `/settings/${sent}`);
      send(
        'POST /settings/{id}',
        `path id (${form})`,
        label,
        'POST',
        `/settings/${sent}`,
        '"abuse"',
        'application/json',
      );

      get('GET /userdata', `query dir (${form})`, label, `/userdata?dir=${sent}&recurse=true&full_info=true`);
      get('GET /v2/userdata', `query path (${form})`, label, `/v2/userdata?path=${sent}`);
      get('GET /userdata/{file}', `path file (${form})`, label, `/userdata/${sent}`);
      send(
        'POST /userdata/{file}',
        `path file (${form})`,
        label,
        'POST',
        `/userdata/${sent}`,
        'abuse write',
        'text/plain',
      );
      send('DELETE /userdata/{file}', `path file (${form})`, label, 'DELETE', `/userdata/${sent}`);
      const move = 'POST /userdata/{file}/move/{dest}';
      send(
        move,
        `path file (${form})`,
        label,
        'POST',
        `/userdata/${sent}/move/moved%2F${String(cases.length)}.json`,
      );
      const source = moveSource();
      send(
        move,
        `path dest (${form})`,
        label,
        'POST',
        `/userdata/${encodeURIComponent(source)}/move/${sent}`,
        undefined,
        undefined,
        {
          needsUserFile: source,
        },
      );

      get('GET /{path} (frontend)', `path (${form})`, label, `/${sent}`);
      get('GET /{path} (frontend)', `path under assets/ (${form})`, label, `/assets/${sent}`);
      get('GET /extensions/{pack}/{path}', `path (${form})`, label, `/extensions/web-pack/${sent}`);
      get('GET /extensions/{pack}/{path}', `pack (${form})`, label, `/extensions/${sent}/main.js`);
    }

    upload('POST /upload/image', 'multipart image filename', label, [image(value)]);
    upload('POST /upload/image', 'multipart image filename*', label, [
      { name: 'image', filename: 'abuse.png', filenameStar: value, data: png },
    ]);
    upload('POST /upload/image', 'multipart subfolder', label, [image(), { name: 'subfolder', data: value }]);
    upload('POST /upload/image', 'multipart type', label, [image(), { name: 'type', data: value }]);

    const ref = (fields: object) => ({ name: 'original_ref', data: JSON.stringify(fields) });
    upload('POST /upload/mask', 'original_ref filename', label, [
      image(),
      ref({ filename: value, type: 'input' }),
    ]);
    upload('POST /upload/mask', 'original_ref subfolder', label, [
      image(),
      ref({ filename: 'secret.png', type: 'input', subfolder: value }),
    ]);
    upload('POST /upload/mask', 'original_ref type', label, [
      image(),
      ref({ filename: 'legit.png', type: value }),
    ]);
    upload('POST /upload/mask', 'multipart image filename', label, [
      image(value),
      { name: 'original_ref', data: inputRef },
    ]);
    upload('POST /upload/mask', 'multipart subfolder', label, [
      image(),
      { name: 'subfolder', data: value },
      { name: 'original_ref', data: inputRef },
    ]);

    send(
      'POST /users',
      'JSON username',
      label,
      'POST',
      '/users',
      JSON.stringify({ username: value }),
      'application/json',
    );
    send(
      'POST /settings',
      'JSON key',
      label,
      'POST',
      '/settings',
      JSON.stringify({ [value]: 'abuse' }),
      'application/json',
    );

    prompt('LoadImage image', label, {
      load: { class_type: 'LoadImage', inputs: { image: value } },
      show: { class_type: 'PreviewImage', inputs: { images: ['load', 0] } },
    });
    prompt('LoadImageOutput image', label, {
      load: { class_type: 'LoadImageOutput', inputs: { image: value } },
      show: { class_type: 'PreviewImage', inputs: { images: ['load', 0] } },
    });
    prompt(
      'SaveImage filename_prefix',
      label,
      {
        empty: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
        save: { class_type: 'SaveImage', inputs: { images: ['empty', 0], filename_prefix: value } },
      },
      { savePrefix: value },
    );

    // the comfy-user header: a name that is no user of users.json is refused on every route
    if (isSendableHeader(value) && value.trim() !== alice && value.trim() !== bob) {
      const as = { 'comfy-user': value };
      const header = (route: string, method: string, path: string, extra: Partial<AbuseCase>) =>
        cases.push({
          route,
          position: 'comfy-user header',
          payload: label,
          request: { method, path, headers: as },
          ...extra,
        });
      header('GET /settings', 'GET', '/settings', { expectStatus: 401 });
      header('GET /v2/userdata', 'GET', '/v2/userdata', { expectStatus: 403 });
      header('GET /userdata', 'GET', '/userdata?dir=workflows', { expectStatus: 403 });
      cases.push({
        route: 'POST /userdata/{file}',
        position: 'comfy-user header',
        payload: label,
        request: { method: 'POST', path: '/userdata/as-header.json', headers: as, body: 'abuse' },
        expectStatus: 403,
      });
    }
  }

  // --- races: one file written, replaced by a move, deleted and read at once ---
  // a read must answer the whole file as it was, or 404: never a body short of its Content-Length
  for (let round = 0; round < 50; round++) {
    const name = encodeURIComponent(`race/${String(round % 5)}.json`);
    const source = `src/race-${String(round)}.json`;
    const race = (route: string, method: string, path: string, body?: string, needsUserFile?: string) =>
      cases.push({
        route,
        position: 'race',
        payload: `round ${String(round)}`,
        request: { method, path, headers: asAlice, body },
        needsUserFile,
      });
    race('POST /userdata/{file}', 'POST', `/userdata/${name}`, 'abuse write for a race');
    race('GET /userdata/{file}', 'GET', `/userdata/${name}`);
    race(
      'POST /userdata/{file}/move/{dest}',
      'POST',
      `/userdata/${encodeURIComponent(source)}/move/${name}`,
      undefined,
      source,
    );
    race('GET /userdata/{file}', 'GET', `/userdata/${name}`);
    race('DELETE /userdata/{file}', 'DELETE', `/userdata/${name}`);
  }

  // --- wrong types: repeated, bracketed and missing parameters, JSON of the wrong shape ---
  const wrongQueries: [string, string][] = [
    ['GET /view', '/view?filename=legit.png&filename=../secret.txt&type=input'],
    ['GET /view', '/view?filename=../secret.txt&filename=legit.png&type=input'],
    ['GET /view', '/view?filename[]=legit.png&type=input'],
    ['GET /view', '/view?filename[0]=legit.png&filename[1]=x'],
    ['GET /view', '/view?filename=legit.png&type=input&type=../..'],
    ['GET /view', '/view?filename=legit.png&type[]=input'],
    ['GET /view', '/view?filename=legit.png&type=input&subfolder=&subfolder=../..'],
    ['GET /view', '/view?filename=legit.png&type=input&subfolder[]=..'],
    ['GET /view', '/view?filename='],
    ['GET /view', '/view?filename'],
    ['GET /view', '/view'],
    ['GET /view', '/view?filename=legit.png&type=1'],
    ['GET /view', '/view?filename=legit.png&type=input&preview=webp;abc'],
    ['GET /view', '/view?filename=legit.png&type=input&preview=webp;999999999999999999999'],
    ['GET /view', '/view?filename=legit.png&type=input&preview=jpeg;-5'],
    ['GET /view', '/view?filename=legit.png&type=input&preview=;;;'],
    ['GET /view', '/view?filename=legit.png&type=input&preview=png'],
    ['GET /view', '/view?filename=legit.png&type=input&preview[]=webp'],
    ['GET /view', '/view?filename=legit.png&type=input&channel=zzz'],
    ['GET /view', '/view?filename=legit.png&type=input&channel[]=a'],
    ['GET /view', '/view?filename=notes.txt&type=input&channel=a'],
    ['GET /view', '/view?filename=notes.txt&type=input&preview=webp;90'],
    ['GET /view', '/view?filename=blake3:../../secret.txt'],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/checkpoints/-1/legit.safetensors',
    ],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/checkpoints/1e3/legit.safetensors',
    ],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/checkpoints/99999999999999999999999/legit.safetensors',
    ],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/checkpoints/%200%20/legit.safetensors',
    ],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/checkpoints/0x0/legit.safetensors',
    ],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/checkpoints/1_0/legit.safetensors',
    ],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/checkpoints/NaN/legit.safetensors',
    ],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/checkpoints/0/',
    ],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/checkpoints/0',
    ],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      '/experiment/models/preview/__proto__/0/x',
    ],
    ['GET /view_metadata/{folder}', '/view_metadata/checkpoints'],
    ['GET /view_metadata/{folder}', '/view_metadata/checkpoints?filename[]=legit.safetensors'],
    [
      'GET /view_metadata/{folder}',
      '/view_metadata/checkpoints?filename=legit.safetensors&filename=../../secret.safetensors',
    ],
    ['GET /view_metadata/{folder}', '/view_metadata/__proto__?filename=legit.safetensors'],
    ['GET /view_metadata/{folder}', '/view_metadata/constructor?filename=legit.safetensors'],
    ['GET /models/{folder}', '/models/__proto__'],
    ['GET /models/{folder}', '/models/constructor'],
    ['GET /models/{folder}', '/models/hasOwnProperty'],
    ['GET /experiment/models/{folder}', '/experiment/models/__proto__'],
    ['GET /experiment/models/{folder}', '/experiment/models/toString'],
    ['GET /internal/files/{type}', '/internal/files/__proto__'],
    ['GET /internal/files/{type}', '/internal/files/constructor'],
    ['GET /internal/files/{type}', '/internal/files/toString'],
    ['GET /internal/files/{type}', '/internal/files/'],
    ['GET /internal/folder_paths', '/internal/folder_paths?x[]=1'],
    ['GET /internal/folder_paths', '/internal/folder_paths?folder=../..'],
    ['GET /internal/folder_paths', '/internal/folder_paths/..'],
    ['GET /internal/folder_paths', '/internal/folder_paths/%2e%2e%2f%2e%2e'],
    ['GET /internal/folder_paths', '/internal/%2e%2e/folder_paths'],
    ['GET /internal/folder_paths', '/api/internal/folder_paths'],
    ['GET /embeddings', '/embeddings?folder=../..'],
    ['GET /settings/{id}', '/settings/__proto__'],
    ['GET /settings/{id}', '/settings/constructor'],
    ['GET /settings/{id}', '/settings/toString'],
    ['GET /userdata', '/userdata?dir[]=workflows'],
    ['GET /userdata', '/userdata?dir=src&dir=../..'],
    ['GET /userdata', '/userdata?dir=src&recurse[]=true&full_info=1&split=yes'],
    ['GET /userdata', '/userdata'],
    ['GET /userdata', '/userdata?dir='],
    ['GET /v2/userdata', '/v2/userdata?path[]=..'],
    ['GET /v2/userdata', '/v2/userdata?path=src&path=../..'],
    ['GET /userdata/{file}', '/userdata/%2'],
    ['GET /userdata/{file}', '/userdata/'],
    ['GET /userdata/{file}', '/userdata/src%2F0.json?overwrite[]=false'],
    ['GET /{path} (frontend)', '/%c0'],
    ['GET /{path} (frontend)', '/assets/%ff%fe'],
    ['GET /{path} (frontend)', '/assets/'],
    ['GET /{path} (frontend)', '/assets'],
    ['GET /{path} (frontend)', '//etc/passwd'],
    ['GET /{path} (frontend)', '/api/../secret.txt'],
    ['GET /{path} (frontend)', '/api/%2e%2e/secret.txt'],
    ['GET /view', '/api//view?filename=../secret.txt'],
    ['GET /view', '/api/api/view?filename=legit.png&type=input'],
    ['GET /view', '//view?filename=legit.png&type=input&subfolder=../..'],
    ['GET /view', '/./view?filename=legit.png&type=input&subfolder=..'],
    ['GET /view', '/api/./../view?filename=legit.png&type=input'],
    ['GET /userdata/{file}', '/api/userdata/..%2F..%2Fsecret.txt'],
    ['GET /userdata/{file}', `/api/userdata/..%2F${bob}%2Fworkflows%2Fprivate.json`],
  ];
  for (const [route, path] of wrongQueries) get(route, 'wrong type or shape', short(path), path);
  for (const range of [
    'bytes=999-1',
    'bytes=-0',
    'bytes=a-b',
    'bytes=0-0,1-1,2-2,3-3,4-4,5-5',
    'lines=1-2',
    'bytes=99999999999999999999-',
  ]) {
    cases.push({
      route: 'GET /view',
      position: 'Range header',
      payload: short(range),
      request: { method: 'GET', path: '/view?filename=legit.png&type=input', headers: { ...asAlice, range } },
    });
  }
  cases.push({
    route: 'GET /view',
    position: 'If-Modified-Since header',
    payload: '"garbage"',
    request: {
      method: 'GET',
      path: '/view?filename=legit.png&type=input',
      headers: { ...asAlice, 'if-modified-since': 'garbage', 'if-none-match': '"' },
    },
  });
  cases.push({
    route: 'GET /userdata',
    position: 'comfy-user header',
    payload: 'two users joined',
    request: {
      method: 'GET',
      path: '/userdata?dir=workflows',
      headers: { 'comfy-user': `${alice}, ${bob}` },
    },
    expectStatus: 403,
  });
  cases.push({
    route: 'GET /settings',
    position: 'comfy-user header',
    payload: 'none (default is not a user)',
    request: { method: 'GET', path: '/settings' },
    expectStatus: 401,
  });

  const multipartBodies: [string, FormPartSpec[]][] = [
    ['no parts', []],
    ['image as a text field', [{ name: 'image', data: 'not a file' }]],
    ['image with an empty file name', [{ name: 'image', filename: '', data: png }]],
    ['image that is no image', [{ name: 'image', filename: 'x.png', data: 'GIF89a but not really' }]],
    ['image named .mp4 that is text', [{ name: 'image', filename: '../x.mp4', data: 'not a video' }]],
    ['type as a file', [image(), { name: 'type', filename: 'type.txt', data: 'input' }]],
    ['subfolder as a file', [image(), { name: 'subfolder', filename: 'sub.txt', data: '../..' }]],
    ['overwrite as a file', [image(), { name: 'overwrite', filename: 'o.txt', data: 'true' }]],
    ['two image parts', [image('../first.png'), image('second.png')]],
    [
      'two subfolder parts',
      [image(), { name: 'subfolder', data: 'ok' }, { name: 'subfolder', data: '../..' }],
    ],
    [
      'latin-1 subfolder',
      [
        image(),
        {
          name: 'subfolder',
          data: Buffer.from('..\xff', 'latin1'),
          contentType: 'text/plain; charset=latin1',
        },
      ],
    ],
    [
      'UTF-16 subfolder',
      [
        image(),
        {
          name: 'subfolder',
          data: Buffer.from('../..', 'utf16le'),
          contentType: 'text/plain; charset=utf-16',
        },
      ],
    ],
  ];
  for (const route of ['POST /upload/image', 'POST /upload/mask']) {
    for (const [label, parts] of multipartBodies) upload(route, 'wrong form', label, parts);
  }
  const refs = [
    '',
    'null',
    '[]',
    '1',
    '"legit.png"',
    '{"filename": 1}',
    '{"filename": []}',
    '{"filename": {}}',
    '{"filename": "legit.png", "subfolder": {}}',
    '{"filename": "legit.png", "type": []}',
    '{"filename": "legit.png", "type": "input", "subfolder": null}',
    '{"filename": null}',
    '{',
    '{"__proto__": {"filename": "../secret.txt"}}',
  ];
  for (const text of refs)
    upload('POST /upload/mask', 'original_ref JSON', short(text), [
      image(),
      { name: 'original_ref', data: text },
    ]);
  upload('POST /upload/mask', 'original_ref as a file', 'file part', [
    image(),
    { name: 'original_ref', filename: 'ref.json', data: inputRef },
  ]);
  upload('POST /upload/mask', 'mask of another size', '1x1 PNG', [
    {
      name: 'image',
      filename: 'tiny.png',
      data: Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
    },
    { name: 'original_ref', data: inputRef },
  ]);

  const jsonBodies: [string, string, string[]][] = [
    [
      'POST /users',
      '/users',
      [
        '',
        '[]',
        '1',
        'null',
        '"x"',
        '{"username": 1}',
        '{"username": []}',
        '{"username": {}}',
        '{"username": null}',
        '{"username": "   "}',
        '{"username": "__x"}',
        '{"username": "' + 'u'.repeat(10000) + '"}',
        '{"__proto__": {"username": "proto"}}',
        '{',
      ],
    ],
    [
      'POST /settings',
      '/settings',
      [
        '',
        '[]',
        '1',
        'null',
        '"x"',
        '{"__proto__": {"polluted": 1}}',
        '{"constructor": {"prototype": {"polluted": 1}}}',
        '['.repeat(20000) + ']'.repeat(20000),
        '{',
      ],
    ],
    ['POST /settings/{id}', '/settings/__proto__', ['{"polluted": 1}', '', '{']],
    ['POST /settings/{id}', '/settings/constructor', ['{"prototype": {"polluted": 1}}']],
  ];
  for (const [route, path, bodies] of jsonBodies) {
    for (const body of bodies) send(route, 'JSON body', short(body), 'POST', path, body, 'application/json');
  }

  const graphs: [string, unknown][] = [
    ['prompt is a list', []],
    ['prompt is text', '../secret.txt'],
    [
      'image is a number',
      {
        load: { class_type: 'LoadImage', inputs: { image: 123 } },
        show: { class_type: 'PreviewImage', inputs: { images: ['load', 0] } },
      },
    ],
    [
      'image is a list',
      {
        load: { class_type: 'LoadImage', inputs: { image: ['../secret.txt'] } },
        show: { class_type: 'PreviewImage', inputs: { images: ['load', 0] } },
      },
    ],
    [
      'image is an object',
      {
        load: { class_type: 'LoadImage', inputs: { image: { filename: '../secret.txt' } } },
        show: { class_type: 'PreviewImage', inputs: { images: ['load', 0] } },
      },
    ],
    [
      'image is a link to nothing',
      {
        load: { class_type: 'LoadImage', inputs: { image: ['nowhere', 0] } },
        show: { class_type: 'PreviewImage', inputs: { images: ['load', 0] } },
      },
    ],
    [
      'image is null',
      {
        load: { class_type: 'LoadImage', inputs: { image: null } },
        show: { class_type: 'PreviewImage', inputs: { images: ['load', 0] } },
      },
    ],
    [
      'filename_prefix is a number',
      {
        empty: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
        save: { class_type: 'SaveImage', inputs: { images: ['empty', 0], filename_prefix: 42 } },
      },
    ],
    [
      'filename_prefix is a list',
      {
        empty: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
        save: { class_type: 'SaveImage', inputs: { images: ['empty', 0], filename_prefix: ['..', '..'] } },
      },
    ],
    [
      'filename_prefix is an object',
      {
        empty: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
        save: { class_type: 'SaveImage', inputs: { images: ['empty', 0], filename_prefix: { '..': 1 } } },
      },
    ],
    ['inputs is a list', { load: { class_type: 'LoadImage', inputs: ['../secret.txt'] } }],
    ['class_type is a path', { load: { class_type: '../../secret', inputs: {} } }],
    ['class_type is __proto__', { load: { class_type: '__proto__', inputs: {} } }],
  ];
  for (const [label, graph] of graphs) {
    send(
      'POST /prompt',
      'wrong graph',
      label,
      'POST',
      '/prompt',
      JSON.stringify({ prompt: graph }),
      'application/json',
    );
  }
  // an own `__proto__` key needs JSON text: an object literal would set the prototype instead
  send(
    'POST /prompt',
    'wrong graph',
    'node id __proto__',
    'POST',
    '/prompt',
    '{"prompt": {"__proto__": {"class_type": "SaveImage", "inputs": {"images": ["x", 0], "filename_prefix": "../proto"}}}}',
    'application/json',
  );
  for (const body of [
    '',
    '[]',
    '"x"',
    'null',
    '{"prompt": {}, "client_id": {}}',
    '{"prompt": {}, "number": "x", "front": "yes"}',
    '{"prompt": {}, "extra_data": []}',
    '{"prompt": {}, "partial_execution_targets": "../.."}',
    '{',
  ]) {
    send('POST /prompt', 'JSON body', short(body), 'POST', '/prompt', body, 'application/json');
  }

  const rawBodies: [string, string, string][] = [
    ['POST /userdata/{file}', '/userdata/', 'x'],
    ['POST /userdata/{file}', '/userdata/%zz', 'x'],
    ['POST /userdata/{file}', '/userdata/%2', 'x'],
    ['POST /userdata/{file}', `/userdata/src%2F0.json%2Finside.json`, 'x'],
    ['POST /userdata/{file}', '/userdata/src', 'x'],
    ['POST /userdata/{file}', '/userdata/x.json?overwrite[]=false&full_info[]=true', 'x'],
    ['POST /userdata/{file}/move/{dest}', '/userdata/x.json/move/', ''],
    ['POST /userdata/{file}/move/{dest}', '/userdata//move/x.json', ''],
    ['POST /userdata/{file}/move/{dest}', '/userdata/src/move/src%2Finner', ''],
    ['POST /userdata/{file}/move/{dest}', '/userdata/src/move/src', ''],
    [
      'POST /userdata/{file}/move/{dest}',
      '/userdata/keep%2Fxsite-victim.json/move/keep%2Fxsite-victim.json%2Fx',
      '',
    ],
    ['DELETE /userdata/{file}', '/userdata/src', ''],
    ['DELETE /userdata/{file}', '/userdata/%2e', ''],
  ];
  for (const [route, path, body] of rawBodies) {
    send(
      route,
      'wrong shape',
      short(path),
      route.split(' ')[0],
      path,
      body === '' ? undefined : body,
      'text/plain',
    );
  }

  // --- wrong content types on every route that takes a body ---
  const postRoutes: [string, string, string | Buffer][] = [
    ['POST /upload/image', '/upload/image', multipart([image('ctype.png')]).body],
    [
      'POST /upload/mask',
      '/upload/mask',
      multipart([image('ctype.png'), { name: 'original_ref', data: inputRef }]).body,
    ],
    ['POST /users', '/users', '{"username": "ctype"}'],
    ['POST /settings', '/settings', '{"ctype": 1}'],
    ['POST /settings/{id}', '/settings/ctype', '1'],
    ['POST /userdata/{file}', '/userdata/ctype.json', '{"a": 1}'],
    [
      'POST /userdata/{file}/move/{dest}',
      `/userdata/${encodeURIComponent('src/ctype.json')}/move/ctype-moved.json`,
      '',
    ],
    ['POST /prompt', '/prompt', '{"prompt": {}}'],
  ];
  const contentTypes = [
    undefined,
    'application/x-www-form-urlencoded',
    'multipart/form-data',
    'multipart/form-data; boundary=' + 'b'.repeat(300),
    'multipart/form-data; boundary=nomatch',
    'application/json; charset=utf-16',
    'image/png',
    'text/plain; charset=latin1',
    'application/json',
    '../../etc/passwd',
  ];
  for (const [route, path, body] of postRoutes) {
    for (const type of contentTypes) {
      send(route, 'Content-Type', short(String(type)), 'POST', path, body === '' ? undefined : body, type, {
        ...(route.endsWith('{dest}') && { needsUserFile: 'src/ctype.json' }),
      });
    }
    // and a multipart body where JSON belongs, a JSON body where multipart belongs
    const other = route.startsWith('POST /upload')
      ? '{"image": "legit.png"}'
      : multipart([image('wrong.png')]).body;
    send(
      route,
      'Content-Type',
      'body of the other kind',
      'POST',
      path,
      other,
      route.startsWith('POST /upload')
        ? 'multipart/form-data; boundary=' + BOUNDARY
        : multipart([]).contentType,
    );
  }

  // --- oversize bodies: 413, also when chunked, and before any user check ---
  const big = Buffer.alloc(context.maxBodyBytes + 1, 0x41);
  const bigForm = multipart([image('oversize.png'), { name: 'padding', data: big }]);
  const oversize: [string, string, Buffer, string][] = [
    ['POST /upload/image', '/upload/image', bigForm.body, bigForm.contentType],
    ['POST /upload/mask', '/upload/mask', bigForm.body, bigForm.contentType],
    [
      'POST /users',
      '/users',
      Buffer.concat([Buffer.from('{"username": "oversize'), big, Buffer.from('"}')]),
      'application/json',
    ],
    [
      'POST /settings',
      '/settings',
      Buffer.concat([Buffer.from('{"oversize": "'), big, Buffer.from('"}')]),
      'application/json',
    ],
    [
      'POST /settings/{id}',
      '/settings/oversize',
      Buffer.concat([Buffer.from('"'), big, Buffer.from('"')]),
      'application/json',
    ],
    ['POST /userdata/{file}', '/userdata/oversize.bin', big, 'application/octet-stream'],
    ['POST /userdata/{file}', '/userdata/..%2F..%2Foversize.bin', big, 'application/octet-stream'],
    ['POST /userdata/{file}/move/{dest}', '/userdata/src%2F0.json/move/oversize.json', big, 'text/plain'],
    [
      'POST /prompt',
      '/prompt',
      Buffer.concat([Buffer.from('{"prompt": {}, "oversize": "'), big, Buffer.from('"}')]),
      'application/json',
    ],
  ];
  for (const [route, path, body, contentType] of oversize) {
    for (const [label, extraHeaders] of [
      ['Content-Length', {}],
      ['chunked', { 'transfer-encoding': 'chunked' }],
      ['as an unknown user', { 'comfy-user': 'mallory' }],
    ] as const) {
      cases.push({
        route,
        position: 'oversize body',
        payload: `${String(body.length)} bytes (${label})`,
        request: {
          method: 'POST',
          path,
          headers: { ...asAlice, 'content-type': contentType, ...extraHeaders },
          body,
        },
        expectStatus: 413,
      });
    }
    cases.push({
      route,
      position: 'oversize body',
      payload: `${String(body.length)} bytes at /api`,
      request: {
        method: 'POST',
        path: `/api${path}`,
        headers: { ...asAlice, 'content-type': contentType },
        body,
      },
      expectStatus: 413,
    });
  }

  // --- cross-site requests: refused with 403 before the route runs ---
  const xsiteForm = multipart([image('xsite-upload.png')]);
  const xsiteMask = multipart([image('xsite-mask.png'), { name: 'original_ref', data: inputRef }]);
  const routes: [string, string, string, (string | Buffer)?, string?][] = [
    ['GET /view', 'GET', '/view?filename=legit.png&type=input'],
    ['POST /upload/image', 'POST', '/upload/image', xsiteForm.body, xsiteForm.contentType],
    ['POST /upload/mask', 'POST', '/upload/mask', xsiteMask.body, xsiteMask.contentType],
    ['GET /models/{folder}', 'GET', '/models/checkpoints'],
    ['GET /experiment/models/{folder}', 'GET', '/experiment/models/checkpoints'],
    [
      'GET /experiment/models/preview/{folder}/{path_index}/{filename}',
      'GET',
      '/experiment/models/preview/checkpoints/0/legit.safetensors',
    ],
    ['GET /view_metadata/{folder}', 'GET', '/view_metadata/checkpoints?filename=legit.safetensors'],
    ['GET /embeddings', 'GET', '/embeddings'],
    ['GET /internal/files/{type}', 'GET', '/internal/files/input'],
    ['GET /internal/folder_paths', 'GET', '/internal/folder_paths'],
    ['GET /users', 'GET', '/users'],
    ['POST /users', 'POST', '/users', '{"username": "xsite"}', 'application/json'],
    ['GET /settings', 'GET', '/settings'],
    ['POST /settings', 'POST', '/settings', '{"xsite": 1}', 'application/json'],
    ['GET /settings/{id}', 'GET', '/settings/Comfy.Locale'],
    ['POST /settings/{id}', 'POST', '/settings/xsite', '1', 'application/json'],
    ['GET /userdata', 'GET', '/userdata?dir=keep'],
    ['GET /v2/userdata', 'GET', '/v2/userdata'],
    ['GET /userdata/{file}', 'GET', '/userdata/keep%2Fxsite-victim.json'],
    ['POST /userdata/{file}', 'POST', '/userdata/xsite-write.json', 'xsite', 'text/plain'],
    ['DELETE /userdata/{file}', 'DELETE', '/userdata/keep%2Fxsite-victim.json'],
    ['POST /userdata/{file}/move/{dest}', 'POST', '/userdata/keep%2Fxsite-victim.json/move/xsite-moved.json'],
    ['GET /{path} (frontend)', 'GET', '/assets/app.js'],
    ['GET /{path} (frontend)', 'GET', '/index.html'],
    ['GET /extensions/{pack}/{path}', 'GET', '/extensions/web-pack/main.js'],
    [
      'POST /prompt',
      'POST',
      '/prompt',
      JSON.stringify({
        prompt: {
          empty: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
          save: {
            class_type: 'SaveImage',
            inputs: { images: ['empty', 0], filename_prefix: 'xsite-prompt' },
          },
        },
      }),
      'application/json',
    ],
  ];
  const own = `127.0.0.1:${String(context.port)}`;
  const variants: [string, Record<string, string>][] = [
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    [
      'Sec-Fetch-Site: cross-site, navigate',
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    ],
    ['Origin of another site', { host: own, origin: 'https://evil.example' }],
    ['Origin of another port', { host: own, origin: `http://127.0.0.1:${String(context.port + 1)}` }],
    [
      'Origin localhost:5173 to localhost',
      { host: `localhost:${String(context.port)}`, origin: 'http://localhost:5173' },
    ],
    ['Origin with a bad port', { host: own, origin: 'http://127.0.0.1:99999' }],
  ];
  for (const [route, method, path, body, contentType] of routes) {
    const prefixes = path.startsWith('/internal') || route.includes('frontend') ? [''] : ['', '/api'];
    for (const prefix of prefixes) {
      for (const [label, headers] of variants) {
        cases.push({
          route,
          position: `cross-site${prefix === '' ? '' : ' at /api'}`,
          payload: label,
          request: {
            method,
            path: prefix + path,
            headers: {
              ...asAlice,
              ...headers,
              ...(contentType === undefined ? {} : { 'content-type': contentType }),
            },
            body,
          },
          expectStatus: 403,
        });
      }
    }
  }
  return cases;
}
