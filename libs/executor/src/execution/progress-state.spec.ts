import { jest } from '@jest/globals';
import { DynamicPrompt } from './dynamic-prompt.js';
import { ProgressStateReporter, type NodeProgress } from './progress-state.js';

type Sent = { prompt_id: string; nodes: Record<string, NodeProgress> };

describe('ProgressStateReporter', () => {
  afterEach(() => jest.useRealTimers());

  it('sends the whole map of started nodes, each with ComfyUI fields', () => {
    const sent: Sent[] = [];
    const prompt = new DynamicPrompt({ '1': { class_type: 'A', inputs: {} } });
    const reporter = new ProgressStateReporter('p', prompt, (data) => sent.push(data));
    reporter.start('1');
    expect(sent).toEqual([
      {
        prompt_id: 'p',
        nodes: {
          '1': {
            value: 0,
            max: 1,
            state: 'running',
            node_id: '1',
            prompt_id: 'p',
            display_node_id: '1',
            parent_node_id: null,
            real_node_id: '1',
          },
        },
      },
    ]);
    reporter.update('1', 3, 10);
    reporter.finish('1');
    reporter.flush();
    expect(sent.at(-1)?.nodes['1']).toMatchObject({ value: 10, max: 10, state: 'finished' });
  });

  it('stays linear on long graphs: changes within an interval go out as one message', () => {
    jest.useFakeTimers();
    const sent: Sent[] = [];
    const ids = Array.from({ length: 5000 }, (_, i) => String(i));
    const prompt = new DynamicPrompt(
      Object.fromEntries(ids.map((id) => [id, { class_type: 'A', inputs: {} }])),
    );
    const reporter = new ProgressStateReporter('p', prompt, (data) => sent.push(data), 100);
    for (const id of ids) {
      reporter.start(id);
      reporter.finish(id);
    }
    // the first change goes at once, everything after it waits for the interval
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(100);
    expect(sent).toHaveLength(2);
    expect(Object.keys(sent[1].nodes)).toHaveLength(5000);
    reporter.flush();
    expect(sent).toHaveLength(2);
    // ComfyUI would have sent 10,000 messages carrying 25 million node entries in all
    const entries = sent.reduce((n, m) => n + Object.keys(m.nodes).length, 0);
    expect(entries).toBeLessThan(10_000);
  });
});
