// The executor's own cost, in process: chains of cheap nodes (validation + execution), and the
// fully cached re-run of the same chain. The node does almost nothing (adds two integers), so the
// time is the executor's overhead. Not a test: timings on shared machines are noisy; each size
// runs several times and the median is printed.
//   npm run build && node tools/bench/executor.mjs [runs]
import { Input, Node } from '@easel/core';
import { ClassicOutputCache, NodeRegistry, PromptExecutor, validatePrompt } from '@easel/executor';

const runs = Number(process.argv[2] ?? 7);

class Add {
  execute({ a, b }) {
    return [a + b];
  }
}
Input.int()(Add.prototype, 'a');
Input.int()(Add.prototype, 'b');
Node({ classType: 'BenchAdd', outputs: ['INT'] })(Add);

class Sink {
  execute({ value }) {
    return { ui: { value: [value] } };
  }
}
Input.int()(Sink.prototype, 'value');
Node({ classType: 'BenchSink', outputs: [], outputNode: true })(Sink);

const registry = new NodeRegistry();
registry.registerPack('bench', [Add, Sink]);
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const services = { resolve: () => undefined, construct: (C) => new C() };
const events = {
  toClient() {},
  toClientOrAll() {},
  previewWithMetadata: () => false,
  preview() {},
  progressText() {},
};

function chain(length, seed) {
  const prompt = { n0: { class_type: 'BenchAdd', inputs: { a: seed, b: 1 } } };
  for (let i = 1; i < length; i++)
    prompt[`n${i}`] = { class_type: 'BenchAdd', inputs: { a: [`n${i - 1}`, 0], b: 1 } };
  prompt.out = { class_type: 'BenchSink', inputs: { value: [`n${length - 1}`, 0] } };
  return prompt;
}

function executor() {
  return new PromptExecutor({
    registry,
    cache: new ClassicOutputCache(),
    services,
    backend: {},
    logger: quiet,
    reuseNodeInstances: true,
  });
}

let promptCount = 0;
async function runOnce(exec, prompt) {
  const started = performance.now();
  const validated = await validatePrompt(prompt, registry, services);
  if (!validated.ok) throw new Error(JSON.stringify(validated.error));
  const result = await exec.execute({
    prompt,
    promptId: `bench-${++promptCount}`,
    extraData: {},
    outputs: validated.outputs,
    events,
    signal: new AbortController().signal,
  });
  if (!result.success) throw new Error('bench prompt failed');
  return performance.now() - started;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// warm-up: the JIT compiles the executor's paths before anything is timed
for (let i = 0; i < 3; i++) {
  const exec = executor();
  await runOnce(exec, chain(2000, -1 - i));
  await runOnce(exec, chain(2000, -1 - i));
}

console.log(`node ${process.version}, ${runs} runs per size after a warm-up, median shown`);
console.log('| nodes | fresh run (ms) | per node (µs) | cached re-run (ms) | per node (µs) |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const length of [100, 500, 5000]) {
  const fresh = [];
  const cached = [];
  for (let i = 0; i < runs; i++) {
    const exec = executor();
    // a new seed each run: nothing is cached for the fresh run
    fresh.push(await runOnce(exec, chain(length, i * 1000)));
    cached.push(await runOnce(exec, chain(length, i * 1000)));
  }
  const nodes = length + 1;
  const f = median(fresh);
  const c = median(cached);
  console.log(
    `| ${nodes} | ${f.toFixed(1)} | ${((f * 1000) / nodes).toFixed(1)} | ${c.toFixed(1)} | ${((c * 1000) / nodes).toFixed(1)} |`,
  );
}
