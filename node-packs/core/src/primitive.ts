import { Input, Node, type NodeInputs, type NodeReturn } from '@easel/core';

// ComfyUI's comfy_extras/nodes_primitive.py: constants to wire into other nodes' inputs.
const PRIMITIVE = {
  category: 'utilities/primitive',
  pythonModule: 'comfy_extras.nodes_primitive',
  schema: 'v3',
} as const;
/** ComfyUI's INT limits: the 64-bit signed range (as the nearest doubles). */
const INT64_MAX = 2 ** 63 - 1;

@Node({
  ...PRIMITIVE,
  classType: 'PrimitiveString',
  displayName: 'Text String',
  outputs: ['STRING'],
  searchAliases: ['text', 'string', 'text box', 'prompt'],
})
export class PrimitiveString {
  @Input.string({ multiline: false }) value!: string;

  execute(inputs: NodeInputs<PrimitiveString>): NodeReturn {
    return [inputs.value];
  }
}

@Node({
  ...PRIMITIVE,
  classType: 'PrimitiveStringMultiline',
  displayName: 'Text String (Multiline)',
  outputs: ['STRING'],
  searchAliases: ['text', 'string', 'text multiline', 'string multiline', 'text box', 'prompt'],
  essentialsCategory: 'Basics',
})
export class PrimitiveStringMultiline {
  @Input.string({ multiline: true }) value!: string;

  execute(inputs: NodeInputs<PrimitiveStringMultiline>): NodeReturn {
    return [inputs.value];
  }
}

@Node({ ...PRIMITIVE, classType: 'PrimitiveInt', displayName: 'Int', outputs: ['INT'] })
export class PrimitiveInt {
  @Input.int({ min: -INT64_MAX, max: INT64_MAX, control_after_generate: 'fixed' }) value!: number;

  execute(inputs: NodeInputs<PrimitiveInt>): NodeReturn {
    return [inputs.value];
  }
}

@Node({ ...PRIMITIVE, classType: 'PrimitiveFloat', displayName: 'Float', outputs: ['FLOAT'] })
export class PrimitiveFloat {
  @Input.float({ min: -INT64_MAX, max: INT64_MAX, step: 0.1 }) value!: number;

  execute(inputs: NodeInputs<PrimitiveFloat>): NodeReturn {
    return [inputs.value];
  }
}

@Node({ ...PRIMITIVE, classType: 'PrimitiveBoolean', displayName: 'Boolean', outputs: ['BOOLEAN'] })
export class PrimitiveBoolean {
  @Input.boolean() value!: boolean;

  execute(inputs: NodeInputs<PrimitiveBoolean>): NodeReturn {
    return [inputs.value];
  }
}
