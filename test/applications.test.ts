import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';

const { applications } = nt;

/** Parameter counts from Keras (model.count_params() of keras.applications, 224×224×3). */
test('VGG16 and VGG19 parameter counts and names equal Keras', async () => {
  let m: nt.Model | null = await applications.VGG16();
  assert.equal(m.name, 'vgg16');
  assert.equal(m.countParams(), 138_357_544);
  assert.ok(m.getLayer('block1_conv1') && m.getLayer('block5_pool') && m.getLayer('fc2') && m.getLayer('predictions'));
  m = null;
  m = await applications.VGG16({ includeTop: false });
  assert.equal(m.countParams(), 14_714_688);
  m = await applications.VGG16({ inputShape: [32, 32, 3], classes: 10 });
  // 14,714,688 + flatten(512) → 4096: 2,101,248 + 4096·4096+4096: 16,781,312 + 4096·10+10: 40,970
  assert.equal(m.countParams(), 14_714_688 + 2_101_248 + 16_781_312 + 40_970);
  m = await applications.VGG19();
  assert.equal(m.name, 'vgg19');
  assert.equal(m.countParams(), 143_667_240);
  m = await applications.VGG19({ includeTop: false });
  assert.equal(m.countParams(), 20_024_384);
});

test('ResNet50 parameter counts and names equal Keras', async () => {
  let m = await applications.ResNet50();
  assert.equal(m.name, 'resnet50');
  assert.equal(m.countParams(), 25_636_712);
  for (const n of ['conv1_pad', 'conv1_conv', 'conv1_bn', 'pool1_pad', 'pool1_pool', 'conv2_block1_0_conv', 'conv2_block1_0_bn', 'conv2_block1_1_conv', 'conv5_block3_out', 'avg_pool', 'predictions']) assert.ok(m.getLayer(n), n);
  m = await applications.ResNet50({ includeTop: false });
  assert.equal(m.countParams(), 23_587_712);
  m = await applications.ResNet50({ classes: 10 });
  assert.equal(m.countParams(), 23_587_712 + 2048 * 10 + 10);
});

test('MobileNet parameter counts and names equal Keras', async () => {
  let m = await applications.MobileNet();
  assert.equal(m.name, 'mobilenet_1.00_224');
  assert.equal(m.countParams(), 4_253_864);
  for (const n of ['conv1', 'conv1_bn', 'conv1_relu', 'conv_pad_2', 'conv_dw_1', 'conv_dw_1_bn', 'conv_pw_1_bn', 'conv_pw_13_relu', 'conv_preds', 'reshape_2', 'predictions']) assert.ok(m.getLayer(n), n);
  m = await applications.MobileNet({ includeTop: false });
  assert.equal(m.countParams(), 3_228_864);
  m = await applications.MobileNet({ classes: 10 });
  assert.equal(m.countParams(), 3_228_864 + 1024 * 10 + 10);
  m = await applications.MobileNet({ alpha: 0.5, inputShape: [128, 128, 3] });
  assert.equal(m.name, 'mobilenet_0.50_128');
  // keras.applications.MobileNet(alpha=0.5, input_shape=(128,128,3)).count_params()
  assert.equal(m.countParams(), 1_342_536);
});

test('MobileNetV2 parameter counts and names equal Keras', async () => {
  let m = await applications.MobileNetV2();
  assert.equal(m.name, 'mobilenetv2_1.00_224');
  assert.equal(m.countParams(), 3_538_984);
  for (const n of ['Conv1', 'bn_Conv1', 'Conv1_relu', 'expanded_conv_depthwise', 'expanded_conv_project_BN', 'block_1_expand', 'block_1_expand_relu', 'block_1_pad', 'block_2_add', 'block_16_project', 'Conv_1', 'Conv_1_bn', 'out_relu', 'predictions']) assert.ok(m.getLayer(n), n);
  m = await applications.MobileNetV2({ includeTop: false });
  assert.equal(m.countParams(), 2_257_984);
  m = await applications.MobileNetV2({ classes: 10 });
  assert.equal(m.countParams(), 2_257_984 + 1280 * 10 + 10);
  m = await applications.MobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], includeTop: false });
  assert.equal(m.name, 'mobilenetv2_0.35_96');
  // keras.applications.MobileNetV2(alpha=0.35, input_shape=(96,96,3), include_top=False).count_params()
  assert.equal(m.countParams(), 410_208);
});

test('forward passes on small inputs give Keras output shapes', async () => {
  const x = nt.randomUniform([2, 32, 32, 3]);
  const cases: [string, Promise<nt.Model>, number[]][] = [
    ['VGG16', applications.VGG16({ includeTop: false, inputShape: [32, 32, 3] }), [2, 1, 1, 512]],
    ['VGG19', applications.VGG19({ includeTop: false, inputShape: [32, 32, 3], pooling: 'max' }), [2, 512]],
    ['ResNet50', applications.ResNet50({ includeTop: false, inputShape: [32, 32, 3] }), [2, 1, 1, 2048]],
    ['MobileNet', applications.MobileNet({ includeTop: false, inputShape: [32, 32, 3], alpha: 0.25 }), [2, 1, 1, 256]],
    ['MobileNetV2', applications.MobileNetV2({ includeTop: false, inputShape: [32, 32, 3], alpha: 0.35, pooling: 'avg' }), [2, 1280]],
    ['MobileNet top', applications.MobileNet({ inputShape: [32, 32, 3], alpha: 0.25, classes: 7 }), [2, 7]],
  ];
  for (const [label, pending, shape] of cases) {
    const m = await pending;
    const y = m.predict(x) as nt.Tensor;
    assert.deepEqual(y.shape, shape, label);
    assert.ok(Array.from(y.toTypedArray()).every(Number.isFinite), label);
  }
});

test('weights argument loads a saved .h5 by layer name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-apps-'));
  try {
    const path = join(dir, 'mnv2.h5');
    const args = { inputShape: [32, 32, 3], alpha: 0.35, classes: 5, classifierActivation: 'linear' } as const;
    const a = await applications.MobileNetV2(args);
    await a.saveWeights(path);
    const b = await applications.MobileNetV2({ ...args, weights: path });
    const fresh = await applications.MobileNetV2(args);
    const x = nt.randomUniform([2, 32, 32, 3]);
    const ya = Array.from((a.predict(x) as nt.Tensor).toTypedArray());
    const yb = Array.from((b.predict(x) as nt.Tensor).toTypedArray());
    const yf = Array.from((fresh.predict(x) as nt.Tensor).toTypedArray());
    assert.deepEqual(yb, ya);
    assert.notDeepEqual(yf, ya);
    if (existsSync('/usr/bin/python3')) {
      // The file is in Keras' layout under Keras' layer names (what byName matching relies on).
      const py = [
        'import sys, h5py',
        'f = h5py.File(sys.argv[1], "r")',
        'names = [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]',
        'print("block_1_expand" in names, "bn_Conv1" in names, f["block_1_expand"]["block_1_expand"]["kernel:0"].shape, f["bn_Conv1"]["bn_Conv1"]["moving_variance:0"].shape)',
      ].join('\n');
      const r = spawnSync('/usr/bin/python3', ['-c', py, path], { encoding: 'utf8' });
      if (r.status === 0) assert.equal(r.stdout.trim(), 'True True (1, 1, 8, 48) (16,)');
      else assert.match(r.stderr, /No module named 'h5py'/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LeNet5 and AlexNet parameter counts (hand-computed from the papers)', async () => {
  let m = await applications.LeNet5();
  assert.equal(m.name, 'lenet5');
  // c1 6·(5·5·1+1) = 156; c3 16·(5·5·6+1) = 2,416; c5 120·(5·5·16+1) = 48,120;
  // f6 84·(120+1) = 10,164; output 10·(84+1) = 850 → 61,706.
  assert.equal(m.countParams(), 156 + 2_416 + 48_120 + 10_164 + 850);
  assert.equal(m.countParams(), 61_706);
  m = await applications.LeNet5({ includeTop: false });
  assert.equal(m.countParams(), 50_692);
  assert.deepEqual((m.predict(nt.randomUniform([2, 32, 32, 1])) as nt.Tensor).shape, [2, 1, 1, 120]);
  m = await applications.AlexNet();
  assert.equal(m.name, 'alexnet');
  // conv1 96·(11·11·3+1) = 34,944; conv2 256·(5·5·96+1) = 614,656; conv3 384·(3·3·256+1) = 885,120;
  // conv4 384·(3·3·384+1) = 1,327,488; conv5 256·(3·3·384+1) = 884,992 (convolutions 3,747,200);
  // fc6 4096·(6·6·256+1) = 37,752,832; fc7 4096·(4096+1) = 16,781,312; fc8 1000·(4096+1) = 4,097,000.
  assert.equal(m.countParams(), 3_747_200 + 37_752_832 + 16_781_312 + 4_097_000);
  assert.equal(m.countParams(), 62_378_344);
  m = await applications.AlexNet({ includeTop: false, inputShape: [67, 67, 3] });
  assert.equal(m.countParams(), 3_747_200);
  assert.deepEqual((m.predict(nt.randomUniform([1, 67, 67, 3])) as nt.Tensor).shape, [1, 1, 1, 256]);
});

test('GoogLeNet parameter count (hand-computed from Table 1)', async () => {
  let m = await applications.GoogLeNet();
  assert.equal(m.name, 'googlenet');
  // stem: conv1 64·(7·7·3+1) = 9,472; conv2 reduce 64·(64+1) = 4,160; conv2 192·(3·3·64+1) = 110,784.
  // module with c inputs and [a, b, d, e, f, g] = (c+1)a + (c+1)b + (9b+1)d + (c+1)e + (25e+1)f + (c+1)g:
  // 3a 163,696; 3b 388,736; 4a 376,176; 4b 449,160; 4c 510,104; 4d 605,376; 4e 868,352;
  // 5a 1,043,456; 5b 1,444,080; classifier 1000·(1024+1) = 1,025,000.
  const modules = [163_696, 388_736, 376_176, 449_160, 510_104, 605_376, 868_352, 1_043_456, 1_444_080];
  const base = 9_472 + 4_160 + 110_784 + modules.reduce((a, b) => a + b, 0);
  assert.equal(base, 5_973_552);
  assert.equal(m.countParams(), base + 1_025_000);
  assert.equal(m.countParams(), 6_998_552);
  assert.ok(m.getLayer('inception_4e_pool_proj') && m.getLayer('inception_5b_output'));
  m = await applications.GoogLeNet({ includeTop: false, inputShape: [32, 32, 3] });
  assert.equal(m.countParams(), 5_973_552);
  assert.deepEqual((m.predict(nt.randomUniform([1, 32, 32, 3])) as nt.Tensor).shape, [1, 1, 1, 1024]);
});

test('UNet parameter count (hand-computed from Fig. 1) and shapes', async () => {
  let m = await applications.UNet();
  assert.equal(m.name, 'unet');
  // down: 64·(9·1+1) = 640, 64·(9·64+1) = 36,928; 128·(9·64+1) = 73,856, 128·(9·128+1) = 147,584;
  // 256·(9·128+1) = 295,168, 256·(9·256+1) = 590,080; 512·(9·256+1) = 1,180,160, 512·(9·512+1) = 2,359,808;
  // bottom: 1024·(9·512+1) = 4,719,616, 1024·(9·1024+1) = 9,438,208;
  // up4: 2×2 up-conv 512·(4·1024)+512 = 2,097,664, 512·(9·1024+1) = 4,719,104, 2,359,808;
  // up3: 256·(4·512)+256 = 524,544, 256·(9·512+1) = 1,179,904, 590,080;
  // up2: 128·(4·256)+128 = 131,200, 128·(9·256+1) = 295,040, 147,584;
  // up1: 64·(4·128)+64 = 32,832, 64·(9·128+1) = 73,792, 36,928; 1×1 to 2 classes: 2·(64+1) = 130.
  const counts = [640, 36_928, 73_856, 147_584, 295_168, 590_080, 1_180_160, 2_359_808, 4_719_616, 9_438_208,
    2_097_664, 4_719_104, 2_359_808, 524_544, 1_179_904, 590_080, 131_200, 295_040, 147_584, 32_832, 73_792, 36_928, 130];
  assert.equal(m.countParams(), counts.reduce((a, b) => a + b, 0));
  assert.equal(m.countParams(), 31_030_658);
  assert.deepEqual(m.outputs[0].shape, [null, 388, 388, 2]);
  m = await applications.UNet({ inputShape: [188, 188, 1], filters: 4 });
  assert.deepEqual((m.predict(nt.randomUniform([1, 188, 188, 1])) as nt.Tensor).shape, [1, 4, 4, 2]);
  m = await applications.UNet({ inputShape: [32, 32, 3], filters: 4, padding: 'same', classes: 3 });
  const y = m.predict(nt.randomUniform([2, 32, 32, 3])) as nt.Tensor;
  assert.deepEqual(y.shape, [2, 32, 32, 3]);
  const v = y.toTypedArray();
  assert.ok(Math.abs(v[0] + v[1] + v[2] - 1) < 1e-5, 'softmax over the class axis');
});

test('bad arguments are named', async () => {
  await assert.rejects(() => applications.VGG16({ weights: 'imagenet' }), /save_weights/);
  await assert.rejects(() => applications.ResNet50({ inputShape: [16, 16, 3] }), /at least 32/);
  await assert.rejects(() => applications.MobileNet({ pooling: 'sum' as 'avg' }), /pooling/);
});
