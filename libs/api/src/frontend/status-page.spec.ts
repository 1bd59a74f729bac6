import type { HistoryEntry } from '@easel/executor';
import {
  escapeHtml,
  recentOutputFiles,
  renderStatusPage,
  viewUrl,
  type StatusPageFacts,
} from './status-page.js';

function entry(outputs: HistoryEntry['outputs']): HistoryEntry {
  return {
    prompt: [0, 'id', {}, {}, []],
    outputs,
    status: { status_str: 'success', completed: true, messages: [] },
    meta: {},
  };
}

const FACTS: StatusPageFacts = {
  easelVersion: '0.1.0',
  comfyuiVersion: '0.24.0',
  backend: 'onnx',
  backendRuntime: 'onnxruntime-node 1.30.0 (cpu)',
  devices: ['cpu'],
  queueRemaining: 2,
  recentOutputs: [],
};

describe('the status page', () => {
  it('shows version, backend, devices and queue length', () => {
    const html = renderStatusPage(FACTS);
    expect(html).toContain('Easel 0.1.0 (ComfyUI API 0.24.0)');
    expect(html).toContain('onnx: onnxruntime-node 1.30.0 (cpu)');
    expect(html).toContain('<dd>cpu</dd>');
    expect(html).toContain('2 prompts running or waiting');
    expect(html).toContain('No outputs yet.');
    // nothing loaded from elsewhere
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('links outputs to /view and escapes every name', () => {
    const evil = '"><script>alert(1)</script>.png';
    const html = renderStatusPage({
      ...FACTS,
      backend: '<b>',
      recentOutputs: [{ filename: evil, subfolder: "it's", type: 'output' }],
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(
      `href="${escapeHtml(viewUrl({ filename: evil, subfolder: "it's", type: 'output' }))}"`,
    );
    expect(html).toContain('it&#39;s/&quot;&gt;&lt;script&gt;');
  });

  it('escapes the five HTML characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('takes the newest files first from history, skipping what is not a file', () => {
    const files = recentOutputFiles(
      [
        entry({ '9': { images: [{ filename: 'old.png', subfolder: '', type: 'output' }] } }),
        entry({
          '3': { images: [{ filename: 'a.png', subfolder: 'sub', type: 'temp' }, { filename: 'b.png' }] },
          '4': { text: ['not a file'], animated: [true] as unknown[] },
        }),
      ],
      2,
    );
    expect(files).toEqual([
      { filename: 'a.png', subfolder: 'sub', type: 'temp' },
      { filename: 'b.png', subfolder: '', type: 'output' },
    ]);
    expect(viewUrl(files[0])).toBe('/view?filename=a.png&subfolder=sub&type=temp');
  });
});
