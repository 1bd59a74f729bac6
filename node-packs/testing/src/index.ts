// ComfyUI's execution-test node pack (tests/execution/testing_nodes/testing-pack), for Easel.
export {
  TestLazyMixImages,
  TestVariadicAverage,
  TestCustomIsChanged,
  TestIsChangedWithConstants,
  TestCustomValidation1,
  TestCustomValidation2,
  TestCustomValidation3,
  TestCustomValidation4,
  TestCustomValidation5,
  TestDynamicDependencyCycle,
  TestMixedExpansionReturns,
  TestSamplingInExpansion,
  TestSleep,
  TestParallelSleep,
  TestOutputNodeWithSocketOutput,
} from './specific-tests.js';
export { TestWhileLoopOpen, TestWhileLoopClose, TestExecutionBlockerNode } from './flow-control.js';
export {
  TestAccumulateNode,
  TestAccumulationHeadNode,
  TestAccumulationTailNode,
  TestAccumulationToListNode,
  TestListToAccumulationNode,
  TestAccumulationGetLengthNode,
  TestAccumulationGetItemNode,
  TestAccumulationSetItemNode,
  TestForLoopOpen,
  TestForLoopClose,
  TestIntMathOperation,
  TestMakeListNode,
} from './util.js';
export {
  TestIntConditions,
  TestFloatConditions,
  TestStringConditions,
  TestToBoolNode,
  TestBoolOperationNode,
} from './conditions.js';
export {
  StubImage,
  StubConstantImage,
  StubMask,
  StubInt,
  StubFloat,
  StubStringOutput,
  StubStringWithLength,
  StubStringWithLengthNoFlag,
  StubIntWithBounds,
  StubComboWithOptions,
} from './stubs.js';
export {
  TestAsyncValidation,
  TestAsyncError,
  TestAsyncValidationError,
  TestAsyncTimeout,
  TestSyncError,
  TestAsyncLazyCheck,
  TestDynamicAsyncGeneration,
  TestAsyncResourceUser,
  TestAsyncBatchProcessing,
  TestAsyncConcurrentLimit,
} from './async-test-nodes.js';
export { TestAsyncProgressUpdate, TestSyncProgressUpdate } from './api-test-nodes.js';
export { TestCacheProviderRecord } from './cache-provider-test-nodes.js';
