import { ComfyClient, startTestingServer, type TestingServer } from './testing/comfy-client.js';
import {
  GOLDEN_IO_PACK,
  compareRecords,
  goldenPrompt,
  readGoldenCases,
  type TensorRecord,
} from './testing/goldens.js';

// ComfyUI's weight-free core nodes against the outputs a real ComfyUI 0.24 recorded, number for
// number: each recorded case runs as a prompt through the real server (recorded tensors in,
// the node under test, a dump node per output), and every output value is compared.
// The file cases (LoadImage*, SaveImage*) have their own end-to-end spec.

/** Largest difference allowed per value, by node; the default is for float32 rounding only. */
const DEFAULT_TOLERANCE = 1e-5;
const TOLERANCE: Record<string, number> = {};

const cases = readGoldenCases((name) => !name.startsWith('LoadImage') && !name.startsWith('SaveImage'));

describe('core nodes against ComfyUI 0.24 goldens (end to end)', () => {
  let testing: TestingServer;
  let client: ComfyClient;

  beforeAll(async () => {
    testing = await startTestingServer([], { 'golden-io': GOLDEN_IO_PACK });
    client = await ComfyClient.connect(testing.server.url);
  }, 120_000);
  afterAll(async () => {
    client?.close();
    await testing?.stop();
  });

  it('has the recorded cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(160);
  });

  it.each(cases.map((c) => [c.case, c] as const))('%s', async (_name, golden) => {
    const result = await client.run(goldenPrompt(golden));
    const tolerance = TOLERANCE[golden.node] ?? DEFAULT_TOLERANCE;
    golden.outputs.forEach((expected, i) => {
      const actual = (result.outputs[`out${i}`]?.tensors ?? []) as Parameters<typeof compareRecords>[1][];
      const wanted: TensorRecord[] = golden.output_is_list?.[i]
        ? (expected as TensorRecord[])
        : [expected as TensorRecord];
      expect(actual).toHaveLength(wanted.length);
      wanted.forEach((record, item) => {
        const comparison = compareRecords(record, actual[item], tolerance);
        expect({ output: i, item, ...comparison }).toEqual({
          output: i,
          item,
          ok: true,
          maxDifference: comparison.maxDifference,
        });
      });
    });
  });
});
