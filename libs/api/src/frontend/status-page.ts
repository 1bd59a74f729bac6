import type { HistoryEntry } from '@easel/executor';

// The page at `/` when no frontend is configured: what runs, how busy it is, what it made last.
// Rendered on the server with everything escaped and nothing loaded from elsewhere.

/** A file a prompt produced, as history lists it. */
export interface OutputFile {
  readonly filename: string;
  readonly subfolder: string;
  readonly type: string;
}

export interface StatusPageFacts {
  readonly easelVersion: string;
  readonly comfyuiVersion: string;
  readonly backend: string;
  readonly backendRuntime: string;
  readonly devices: readonly string[];
  readonly queueRemaining: number;
  readonly recentOutputs: readonly OutputFile[];
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside HTML elements and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** `/view` URL of an output file. */
export function viewUrl(file: OutputFile): string {
  return `/view?${new URLSearchParams({ filename: file.filename, subfolder: file.subfolder, type: file.type }).toString()}`;
}

function isOutputFile(value: unknown): value is OutputFile {
  if (value === null || typeof value !== 'object') return false;
  const file = value as Record<string, unknown>;
  return (
    typeof file.filename === 'string' &&
    (file.subfolder === undefined || typeof file.subfolder === 'string') &&
    (file.type === undefined || typeof file.type === 'string')
  );
}

/** The files in history entries (oldest first), newest first, at most `limit`. */
export function recentOutputFiles(entries: readonly HistoryEntry[], limit: number): OutputFile[] {
  const files: OutputFile[] = [];
  for (const entry of [...entries].reverse()) {
    for (const output of Object.values(entry.outputs)) {
      for (const items of Object.values(output)) {
        if (!Array.isArray(items)) continue;
        for (const item of items) {
          if (!isOutputFile(item)) continue;
          files.push({
            filename: item.filename,
            subfolder: item.subfolder ?? '',
            type: item.type ?? 'output',
          });
          if (files.length >= limit) return files;
        }
      }
    }
  }
  return files;
}

const IMAGE = /\.(png|jpe?g|webp|gif|bmp)$/i;

function outputItem(file: OutputFile): string {
  const href = escapeHtml(viewUrl(file));
  const label = escapeHtml(file.subfolder === '' ? file.filename : `${file.subfolder}/${file.filename}`);
  const thumbnail = IMAGE.test(file.filename) ? `<img src="${href}" alt="" loading="lazy">` : '';
  return `<li><a href="${href}">${thumbnail}<span>${label}</span></a> <small>${escapeHtml(file.type)}</small></li>`;
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222;background:#fafafa}
h1{margin:0 0 .2rem}h2{margin-top:2rem;font-size:1.1rem}dt{font-weight:600}dd{margin:0 0 .5rem}
ul.outputs{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
ul.outputs li{width:10rem;word-break:break-all}ul.outputs img{display:block;max-width:10rem;max-height:10rem}
code{background:#eee;padding:0 .2rem}
`;

/** The whole page. */
export function renderStatusPage(facts: StatusPageFacts): string {
  const devices = facts.devices.length > 0 ? facts.devices.map(escapeHtml).join(', ') : 'none';
  const outputs =
    facts.recentOutputs.length > 0
      ? `<ul class="outputs">${facts.recentOutputs.map(outputItem).join('')}</ul>`
      : '<p>No outputs yet.</p>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Easel ${escapeHtml(facts.easelVersion)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Easel</h1>
<p>A workflow server that speaks ComfyUI's API. No frontend is configured: start the server with
<code>--front-end-root &lt;dir&gt;</code> to serve a ComfyUI frontend build here.</p>
<dl>
<dt>Version</dt><dd>Easel ${escapeHtml(facts.easelVersion)} (ComfyUI API ${escapeHtml(facts.comfyuiVersion)})</dd>
<dt>Backend</dt><dd>${escapeHtml(facts.backend)}: ${escapeHtml(facts.backendRuntime)}</dd>
<dt>Devices</dt><dd>${devices}</dd>
<dt>Queue</dt><dd>${facts.queueRemaining} ${facts.queueRemaining === 1 ? 'prompt' : 'prompts'} running or waiting</dd>
</dl>
<h2>Latest outputs</h2>
${outputs}
<h2>API</h2>
<ul>
<li><a href="/system_stats">/system_stats</a>: versions, backend and devices</li>
<li><a href="/object_info">/object_info</a>: every node the loaded packs provide</li>
<li><a href="/queue">/queue</a> and <a href="/history">/history</a>: prompts waiting, running and done</li>
<li><a href="/internal/packs">/internal/packs</a>: loaded node packs and load failures</li>
</ul>
<p>Documentation: <code>docs/</code> in the Easel repository (configuration, API compatibility,
writing node packs).</p>
</body>
</html>
`;
}
