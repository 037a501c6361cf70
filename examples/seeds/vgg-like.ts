/**
 * Seed 004's CNNs on real Fashion-MNIST:
 *   - the VGG-like Keras net — Conv2D(32, (3, 3)) ×2 → MaxPooling2D → Dropout(0.25) →
 *     Conv2D(64, (3, 3)) ×2 → MaxPooling2D → Dropout(0.25) → Flatten → Dense(256) →
 *     Dropout(0.5) → Dense(10, softmax) — compiled with
 *     `SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)` and categorical crossentropy,
 *     trained with `batch_size=32, epochs=10` (the seed's 100×100×3 input becomes 28×28×1);
 *   - the seed's PyTorch `Net` (conv 6@5×5 → pool → conv 16@5×5 → pool → 120 → 84 → 10)
 *     written as a Keras Sequential, with the same parameter arithmetic;
 *   - the parameter counts the seed quotes for VGG16 (138M) and AlexNet (60M), from
 *     `nt.applications` (full run only: building VGG16 allocates 0.5 GB).
 *
 *   node build/examples/seeds/vgg-like.js                 # the seed's 10 epochs on 60,000 images (long: see docs/guide)
 *   node build/examples/seeds/vgg-like.js --epochs 1      # one epoch
 *   node build/examples/seeds/vgg-like.js --smoke         # seconds
 */
import * as nt from '../../src/index.js';
import { numberArg } from '../common/cli.js';
import { isSmoke, loadFashion, lossAndAccuracy, oneHotSplits, printResult, runIfMain, withChannel } from './common.js';

/** Seed 004's VGG-like network (input 100×100×3 in the seed; any image shape here). */
export function vggLike(inputShape: number[] = [28, 28, 1], classes = 10): nt.Sequential {
  const model = new nt.Sequential();
  model.add(new nt.Conv2D({ filters: 32, kernelSize: [3, 3], activation: 'relu', inputShape }));
  model.add(new nt.Conv2D({ filters: 32, kernelSize: [3, 3], activation: 'relu' }));
  model.add(new nt.MaxPooling2D({ poolSize: [2, 2] }));
  model.add(new nt.Dropout({ rate: 0.25 }));
  model.add(new nt.Conv2D({ filters: 64, kernelSize: [3, 3], activation: 'relu' }));
  model.add(new nt.Conv2D({ filters: 64, kernelSize: [3, 3], activation: 'relu' }));
  model.add(new nt.MaxPooling2D({ poolSize: [2, 2] }));
  model.add(new nt.Dropout({ rate: 0.25 }));
  model.add(new nt.Flatten());
  model.add(new nt.Dense({ units: 256, activation: 'relu' }));
  model.add(new nt.Dropout({ rate: 0.5 }));
  model.add(new nt.Dense({ units: classes, activation: 'softmax' }));
  return model;
}

/**
 * Seed 004's PyTorch `Net` as a Keras Sequential. The PyTorch tutorial feeds 32×32×3 CIFAR
 * images; Fashion-MNIST's 28×28 images are zero-padded to 32×32 so that the flattened
 * features are 16·5·5 = 400, as in `nn.Linear(16 * 5 * 5, 120)`.
 */
export function torchNet(inputShape: number[] = [32, 32, 3]): nt.Sequential {
  const pad = inputShape[0] < 32 ? [new nt.ZeroPadding2D({ padding: (32 - inputShape[0]) / 2, inputShape })] : [];
  return new nt.Sequential([
    ...pad,
    new nt.Conv2D({ filters: 6, kernelSize: 5, activation: 'relu', ...(pad.length ? {} : { inputShape }) }), // conv1 + F.relu
    new nt.MaxPooling2D({ poolSize: 2, strides: 2 }), // pool
    new nt.Conv2D({ filters: 16, kernelSize: 5, activation: 'relu' }), // conv2 + F.relu
    new nt.MaxPooling2D({ poolSize: 2, strides: 2 }),
    new nt.Flatten(), // torch.flatten(x, 1)
    new nt.Dense({ units: 120, activation: 'relu' }), // fc1
    new nt.Dense({ units: 84, activation: 'relu' }), // fc2
    new nt.Dense({ units: 10 }), // fc3: logits, as in PyTorch (CrossEntropyLoss takes logits)
  ]);
}

export interface VggLikeOptions {
  readonly smoke?: boolean;
  readonly epochs?: number;
  readonly trainImages?: number;
  readonly log?: (line: string) => void;
}

export interface VggLikeResult {
  readonly vggParams: number;
  readonly vggTestAccuracy: number;
  readonly vggTestLoss: number;
  readonly torchNetParams: number;
  readonly torchNetCifarParams: number;
  readonly torchNetTestAccuracy: number;
  readonly seconds: number;
  readonly applicationParams?: Readonly<Record<string, number>>;
}

export async function runVggLike(options: VggLikeOptions = {}): Promise<VggLikeResult> {
  const { smoke = false, log = console.log } = options;
  const epochs = options.epochs ?? (smoke ? 1 : 10);
  const nTrain = options.trainImages ?? (smoke ? 1000 : 60000);
  const started = performance.now();
  const data = await loadFashion({ train: nTrain, test: smoke ? 500 : 10000 });
  const { x: xTrain, y: yTrain, xTest, yTest } = oneHotSplits(data, withChannel);

  nt.setSeed(8);
  const model = vggLike();
  model.summary({ printFn: log });
  const sgd = new nt.SGD({ lr: 0.01, decay: 1e-6, momentum: 0.9, nesterov: true });
  model.compile({ loss: 'categorical_crossentropy', optimizer: sgd, metrics: ['accuracy'] });
  await model.fit(xTrain, yTrain, { batchSize: 32, epochs, verbose: 2, seed: 8 });
  const [vggTestLoss, vggTestAccuracy] = await lossAndAccuracy(model, xTest, yTest);
  log(`VGG-like, SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True), ${epochs} epoch(s) on ${nTrain} images: test loss ${vggTestLoss.toFixed(4)}, test accuracy ${vggTestAccuracy.toFixed(4)}`);

  const torchNetCifarParams = torchNet().countParams();
  const net = torchNet([28, 28, 1]);
  net.compile({ loss: new nt.losses.CategoricalCrossentropy({ fromLogits: true }), optimizer: new nt.SGD({ learningRate: 0.01, momentum: 0.9 }), metrics: ['accuracy'] });
  await net.fit(xTrain, yTrain, { batchSize: 32, epochs, verbose: 2, seed: 8 });
  const [, torchNetTestAccuracy] = await lossAndAccuracy(net, xTest, yTest);
  log(`PyTorch Net as Keras layers: ${torchNetCifarParams.toLocaleString('en-US')} parameters on 32×32×3 (PyTorch: 62,006), ${net.countParams().toLocaleString('en-US')} on padded Fashion-MNIST; test accuracy ${torchNetTestAccuracy.toFixed(4)}`);

  let applicationParams: Record<string, number> | undefined;
  if (!smoke) {
    applicationParams = {};
    for (const name of ['AlexNet', 'VGG16'] as const) {
      applicationParams[name] = (await nt.applications[name]()).countParams();
      log(`nt.applications.${name}(): ${applicationParams[name].toLocaleString('en-US')} parameters`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  log(`${seconds.toFixed(0)} s in all`);
  return { vggParams: model.countParams(), vggTestAccuracy, vggTestLoss, torchNetParams: net.countParams(), torchNetCifarParams, torchNetTestAccuracy, seconds, ...(applicationParams ? { applicationParams } : {}) };
}

runIfMain(import.meta.url, async () => {
  const r = await runVggLike({ smoke: isSmoke(), epochs: numberArg('epochs'), trainImages: numberArg('train') });
  printResult({ ...r });
});
