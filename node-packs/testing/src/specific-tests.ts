import {
  GraphBuilder,
  Hidden,
  Input,
  Node,
  isFloat,
  type ComboContext,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  TensorBackend,
  type Tensor,
} from '@easel/core';
import {
  PYTHON_MODULE,
  RuntimeError,
  VariantSupport,
  filled,
  isTensor,
  minMax,
  pyTruthy,
  pyType,
  seconds,
  sleep,
} from './tools.js';

// specific_tests.py: nodes that exercise lazy inputs, IS_CHANGED, custom validation, expansions
// and async execution.

const NODES = 'Testing/Nodes';
const FOR_TESTING = '_for_testing';

/** `image1 * (1 - mask) + image2 * mask`, the mask broadcast over the channels as ComfyUI does. */
async function mixImages(
  backend: TensorBackend,
  image1: Tensor,
  image2: Tensor,
  mask: Tensor,
): Promise<Tensor> {
  let m = mask;
  if (m.shape.length === 2) m = await backend.reshape(m, [1, ...m.shape]);
  if (m.shape.length === 3) m = await backend.reshape(m, [...m.shape, 1]);
  const channels = image1.shape[3];
  if (m.shape.length === 4 && m.shape[3] < channels) m = await backend.tile(m, [1, 1, 1, channels]);
  const inverse = await backend.binary('sub', 1, m);
  const [a, b] = await Promise.all([
    backend.binary('mul', image1, inverse),
    backend.binary('mul', image2, m),
  ]);
  return backend.binary('add', a, b);
}

/** Both operands floats: a white 512x512 image times both; otherwise the tensor product. */
async function multiplyInputs(backend: TensorBackend, input1: unknown, input2: unknown): Promise<Tensor> {
  if (typeof input1 === 'number' && typeof input2 === 'number') {
    return filled(backend, [1, 512, 512, 3], Math.fround(Math.fround(input1) * Math.fround(input2)));
  }
  if (!isTensor(input1) && !isTensor(input2)) {
    throw new TypeError(`unsupported operand type(s) for *: '${pyName(input1)}' and '${pyName(input2)}'`);
  }
  return backend.binary('mul', input1 as Tensor | number, input2 as Tensor | number);
}

function pyName(value: unknown): string {
  return pyType(value).slice("<class '".length, -2);
}

/** VALIDATE_INPUTS of TestCustomValidation1 and 2: constants must be floats (tensors arrive only as links). */
function checkFloatOrTensor(inputs: Record<string, unknown>): true | string {
  for (const name of ['input1', 'input2']) {
    const value = inputs[name];
    if (value !== null && value !== undefined && !isTensor(value) && !isFloat(value)) {
      return `Invalid type of ${name}: ${pyType(value)}`;
    }
  }
  return true;
}

@Node({
  classType: 'TestLazyMixImages',
  displayName: 'Lazy Mix Images',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class TestLazyMixImages {
  @Input('IMAGE', { lazy: true }) image1!: Tensor | null;
  @Input('IMAGE', { lazy: true }) image2!: Tensor | null;
  @Input('MASK') mask!: Tensor;

  async checkLazyStatus(
    { mask, image1, image2 }: NodeInputs<TestLazyMixImages>,
    context: NodeContext,
  ): Promise<string[]> {
    const [low, high] = await minMax(context.backend, mask);
    const needed: string[] = [];
    if (image1 == null && (low !== 1 || high !== 1)) needed.push('image1');
    if (image2 == null && (low !== 0 || high !== 0)) needed.push('image2');
    return needed;
  }

  execute(inputs: NodeInputs<TestLazyMixImages>, context: NodeContext): Promise<NodeReturn> {
    return this.mix(inputs, context.backend);
  }

  private async mix(
    { mask, image1, image2 }: NodeInputs<TestLazyMixImages>,
    backend: TensorBackend,
  ): Promise<NodeReturn> {
    const [low, high] = await minMax(backend, mask);
    if (low === 0 && high === 0) return [image1];
    if (low === 1 && high === 1) return [image2];
    return [await mixImages(backend, image1 as Tensor, image2 as Tensor, mask)];
  }
}

@Node({
  classType: 'TestVariadicAverage',
  displayName: 'Variadic Average',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class TestVariadicAverage {
  // input2, input3, ... are undeclared: only links reach them (ComfyUI declares input1 alone)
  @Input('IMAGE') input1!: Tensor;

  execute(
    inputs: NodeInputs<TestVariadicAverage> & Record<string, unknown>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    const images: Tensor[] = [inputs.input1];
    while (Object.prototype.hasOwnProperty.call(inputs, `input${images.length + 1}`)) {
      images.push(inputs[`input${images.length + 1}`] as Tensor);
    }
    return average(context.backend, images).then((mean) => [mean]);
  }
}

/** `torch.stack(images).mean(dim=0)`. */
export async function average(backend: TensorBackend, images: readonly Tensor[]): Promise<Tensor> {
  const shape = JSON.stringify(images[0].shape);
  images.forEach((image, i) => {
    if (!isTensor(image) || JSON.stringify(image.shape) !== shape) {
      const got = isTensor(image) ? JSON.stringify(image.shape) : pyType(image);
      throw new RuntimeError(
        `stack expects each tensor to be equal size, but got ${shape} at entry 0 and ${got} at entry ${i}`,
      );
    }
  });
  let sum = images[0];
  for (const image of images.slice(1)) sum = await backend.binary('add', sum, image);
  return images.length === 1 ? sum : backend.binary('div', sum, images.length);
}

@Node({
  classType: 'TestCustomIsChanged',
  displayName: 'Custom IsChanged',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class TestCustomIsChanged {
  @Input('IMAGE') image!: Tensor;
  // "BOOL", not BOOLEAN: ComfyUI neither converts nor checks it
  @Input('BOOL', { optional: true, extra: { default: false } }) should_change?: unknown;

  static fingerprintInputs({ should_change = false }: Record<string, unknown>): unknown {
    return pyTruthy(should_change) ? NaN : false;
  }

  execute({ image }: NodeInputs<TestCustomIsChanged>): NodeReturn {
    return [image];
  }
}

@Node({
  classType: 'TestIsChangedWithConstants',
  displayName: 'IsChanged With Constants',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class TestIsChangedWithConstants {
  @Input('IMAGE') image!: Tensor;
  @Input.float({ default: 1.0, min: 0.0, max: 10.0 }) value!: number;

  static fingerprintInputs({ image, value }: Record<string, unknown>, services: ComboContext): unknown {
    if (!isTensor(image)) return value;
    // never reached through a prompt (IS_CHANGED sees links as None), kept for completeness
    const backend = services.resolve<TensorBackend>(TensorBackend);
    return backend
      .reduce(
        'mean',
        image,
        image.shape.map((_, i) => i),
      )
      .then((mean) => backend.read(mean))
      .then((data) => data[0] * Number(value));
  }

  execute(
    { image, value }: NodeInputs<TestIsChangedWithConstants>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    return context.backend.binary('mul', image, value).then((out) => [out]);
  }
}

@Node({
  classType: 'TestCustomValidation1',
  displayName: 'Custom Validation 1',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  validatedInputs: ['input1', 'input2'],
})
export class TestCustomValidation1 {
  @Input('IMAGE,FLOAT') input1!: Tensor | number;
  @Input('IMAGE,FLOAT') input2!: Tensor | number;

  static validateInputs(inputs: Record<string, unknown>): true | string {
    return checkFloatOrTensor(inputs);
  }

  execute({ input1, input2 }: NodeInputs<TestCustomValidation1>, context: NodeContext): Promise<NodeReturn> {
    return multiplyInputs(context.backend, input1, input2).then((out) => [out]);
  }
}

@Node({
  classType: 'TestCustomValidation2',
  displayName: 'Custom Validation 2',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  validatedInputs: ['input1', 'input2'],
  validateInputTypes: true,
})
export class TestCustomValidation2 {
  @Input('IMAGE,FLOAT') input1!: Tensor | number;
  @Input('IMAGE,FLOAT') input2!: Tensor | number;

  static validateInputs(
    inputs: Record<string, unknown>,
    _services?: ComboContext,
    inputTypes: Record<string, string> = {},
  ): true | string {
    const values = checkFloatOrTensor(inputs);
    if (values !== true) return values;
    for (const name of ['input1', 'input2']) {
      if (name in inputTypes && !['IMAGE', 'FLOAT'].includes(inputTypes[name])) {
        return `Invalid type of ${name}: ${inputTypes[name]}`;
      }
    }
    return true;
  }

  execute({ input1, input2 }: NodeInputs<TestCustomValidation2>, context: NodeContext): Promise<NodeReturn> {
    return multiplyInputs(context.backend, input1, input2).then((out) => [out]);
  }
}

@VariantSupport()
@Node({
  classType: 'TestCustomValidation3',
  displayName: 'Custom Validation 3',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class TestCustomValidation3 {
  @Input('IMAGE,FLOAT') input1!: Tensor | number;
  @Input('IMAGE,FLOAT') input2!: Tensor | number;

  execute({ input1, input2 }: NodeInputs<TestCustomValidation3>, context: NodeContext): Promise<NodeReturn> {
    return multiplyInputs(context.backend, input1, input2).then((out) => [out]);
  }
}

@Node({
  classType: 'TestCustomValidation4',
  displayName: 'Custom Validation 4',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  validatedInputs: ['input1', 'input2'],
})
export class TestCustomValidation4 {
  @Input.float() input1!: number;
  @Input.float() input2!: number;

  static validateInputs(inputs: Record<string, unknown>): true | string {
    // FLOAT constants were converted with float() before this runs, so any number is a float
    for (const name of ['input1', 'input2']) {
      const value = inputs[name];
      if (value !== null && value !== undefined && typeof value !== 'number' && !isFloat(value)) {
        return `Invalid type of ${name}: ${pyType(value)}`;
      }
    }
    return true;
  }

  execute({ input1, input2 }: NodeInputs<TestCustomValidation4>, context: NodeContext): NodeReturn {
    return [
      filled(context.backend, [1, 512, 512, 3], Math.fround(Math.fround(input1) * Math.fround(input2))),
    ];
  }
}

@Node({
  classType: 'TestCustomValidation5',
  displayName: 'Custom Validation 5',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  // VALIDATE_INPUTS(**kwargs): every input, so no input gets the min/max checks
  validatedInputs: 'all',
})
export class TestCustomValidation5 {
  @Input.float({ min: 0.0, max: 1.0 }) input1!: number;
  @Input.float({ min: 0.0, max: 1.0 }) input2!: number;

  static validateInputs(inputs: Record<string, unknown>): true | string {
    if (Number(inputs.input2) === 7.0) return "7s are not allowed. I've never liked 7s.";
    return true;
  }

  execute({ input1, input2 }: NodeInputs<TestCustomValidation5>, context: NodeContext): NodeReturn {
    return [filled(context.backend, [1, 512, 512, 3], input1 * input2)];
  }
}

@Node({
  classType: 'TestDynamicDependencyCycle',
  displayName: 'Dynamic Dependency Cycle',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class TestDynamicDependencyCycle {
  @Input('IMAGE') input1!: Tensor;
  @Input('IMAGE') input2!: Tensor;

  execute({ input1, input2 }: NodeInputs<TestDynamicDependencyCycle>): NodeReturn {
    const graph = new GraphBuilder();
    const mask = graph.node('StubMask', { value: 0.5, height: 512, width: 512, batch_size: 1 });
    const mix1 = graph.node('TestLazyMixImages', { image1: input1, mask: mask.out(0) });
    const mix2 = graph.node('TestLazyMixImages', { image1: mix1.out(0), image2: input2, mask: mask.out(0) });
    // closes the cycle mix1 -> mix2 -> mix1
    mix1.setInput('image2', mix2.out(0));
    return { result: [mix2.out(0)], expand: graph.finalize() };
  }
}

@Node({
  classType: 'TestMixedExpansionReturns',
  displayName: 'Mixed Expansion Returns',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE', 'IMAGE'],
})
export class TestMixedExpansionReturns {
  @Input.float() input1!: number;

  execute({ input1 }: NodeInputs<TestMixedExpansionReturns>, context: NodeContext): NodeReturn {
    const white = filled(context.backend, [1, 512, 512, 3], 1);
    if (input1 <= 0.1) return [filled(context.backend, [1, 512, 512, 3], 0.1), white];
    if (input1 <= 0.2) return { result: [filled(context.backend, [1, 512, 512, 3], 0.2), white] };
    const graph = new GraphBuilder();
    const mask = graph.node('StubMask', { value: 0.3, height: 512, width: 512, batch_size: 1 });
    const black = graph.node('StubImage', { content: 'BLACK', height: 512, width: 512, batch_size: 1 });
    const whiteNode = graph.node('StubImage', { content: 'WHITE', height: 512, width: 512, batch_size: 1 });
    const mix = graph.node('TestLazyMixImages', {
      image1: black.out(0),
      image2: whiteNode.out(0),
      mask: mask.out(0),
    });
    return { result: [mix.out(0), white], expand: graph.finalize() };
  }
}

@Node({
  classType: 'TestSamplingInExpansion',
  displayName: 'Sampling In Expansion',
  category: NODES,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class TestSamplingInExpansion {
  @Input('MODEL') model!: unknown;
  @Input('CLIP') clip!: unknown;
  @Input('VAE') vae!: unknown;
  // ComfyUI's 0xffffffffffffffff; JSON shows the nearest double
  @Input.int({ default: 0, min: 0, max: 2 ** 64 - 1 }) seed!: number;
  @Input.int({ default: 20, min: 1, max: 100 }) steps!: number;
  @Input.float({ default: 7.0, min: 0.0, max: 30.0 }) cfg!: number;
  @Input.string({ multiline: true, default: 'a beautiful landscape with mountains and trees' })
  prompt!: string;
  @Input.string({ multiline: true, default: 'blurry, bad quality, worst quality' })
  negative_prompt!: string;

  execute(inputs: NodeInputs<TestSamplingInExpansion>): NodeReturn {
    const { model, clip, vae, seed, steps, cfg, prompt, negative_prompt } = inputs;
    const graph = new GraphBuilder();
    const positive = graph.node('CLIPTextEncode', { text: prompt, clip });
    const negative = graph.node('CLIPTextEncode', { text: negative_prompt, clip });
    const latent = graph.node('EmptyLatentImage', { width: 512, height: 512, batch_size: 1 });
    const sampler = graph.node('KSampler', {
      model,
      positive: positive.out(0),
      negative: negative.out(0),
      latent_image: latent.out(0),
      seed,
      steps,
      cfg,
      sampler_name: 'euler_ancestral',
      scheduler: 'normal',
    });
    const decoded = graph.node('VAEDecode', { samples: sampler.out(0), vae });
    return { result: [decoded.out(0)], expand: graph.finalize() };
  }
}

@Node({
  classType: 'TestSleep',
  displayName: 'Test Sleep',
  category: FOR_TESTING,
  pythonModule: PYTHON_MODULE,
  outputs: ['*'],
  // an `async def` in ComfyUI: other nodes run while it waits
  concurrent: true,
})
export class TestSleep {
  @Input('*', {}) value!: unknown;
  @Input.float({
    default: 1.0,
    min: 0.0,
    max: 9999.0,
    step: 0.01,
    tooltip: 'The amount of seconds to sleep.',
  })
  seconds!: number;
  @Hidden('UNIQUE_ID') unique_id!: string;

  async execute(
    { value, seconds: duration }: NodeInputs<TestSleep>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    const start = seconds();
    const expiration = start + duration;
    let now = start;
    while (now < expiration) {
      now = seconds();
      // ComfyUI's ProgressBar clamps the value to its total
      context.progress.update(Math.min(now - start, duration), duration);
      await sleep(10, context.signal);
    }
    return [value];
  }
}

@Node({
  classType: 'TestParallelSleep',
  displayName: 'Test Parallel Sleep',
  category: FOR_TESTING,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  outputNode: true,
})
export class TestParallelSleep {
  @Input('IMAGE') image1!: Tensor;
  @Input('IMAGE') image2!: Tensor;
  @Input('IMAGE') image3!: Tensor;
  @Input.float({ default: 0.5, min: 0.0, max: 10.0, step: 0.01 }) sleep1!: number;
  @Input.float({ default: 0.5, min: 0.0, max: 10.0, step: 0.01 }) sleep2!: number;
  @Input.float({ default: 0.5, min: 0.0, max: 10.0, step: 0.01 }) sleep3!: number;
  @Hidden('UNIQUE_ID') unique_id!: string;

  execute(inputs: NodeInputs<TestParallelSleep>): NodeReturn {
    const graph = new GraphBuilder();
    const first = graph.node('TestSleep', { value: inputs.image1, seconds: inputs.sleep1 });
    const second = graph.node('TestSleep', { value: inputs.image2, seconds: inputs.sleep2 });
    const third = graph.node('TestSleep', { value: inputs.image3, seconds: inputs.sleep3 });
    const blend = graph.node('TestVariadicAverage', {
      input1: first.out(0),
      input2: second.out(0),
      input3: third.out(0),
    });
    return { result: [blend.out(0)], expand: graph.finalize() };
  }
}

@Node({
  classType: 'TestOutputNodeWithSocketOutput',
  displayName: 'Test Output Node With Socket Output',
  category: FOR_TESTING,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  outputNode: true,
})
export class TestOutputNodeWithSocketOutput {
  @Input('IMAGE') image!: Tensor;
  @Input.float({ default: 1.0, min: 0.0, max: 10.0 }) value!: number;

  execute(
    { image, value }: NodeInputs<TestOutputNodeWithSocketOutput>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    return context.backend.binary('mul', image, value).then((out) => [out]);
  }
}
