/**
 * `flowFromDirectory(dir)`: images from one sub-folder per class (Keras' DirectoryIterator).
 * Classes are the sub-folders in alphanumeric order (or the given list); files are found
 * recursively and sorted; a batch reads and decodes its files concurrently (off the main
 * thread, in libuv and libvips), then augments and standardises them.
 */
import { readdirSync, statSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { tensor } from '../../tensor/create.js';
import { ImageIterator, type ImageBatch, type IteratorArgs } from './iterator.js';
import { checkImageArgs, decodeImage, type ColorMode, type Interpolation } from './io.js';
import type { ImageDataGenerator } from './generator.js';

export type ClassMode = 'categorical' | 'binary' | 'sparse' | 'input' | null;
const CLASS_MODES: readonly ClassMode[] = ['categorical', 'binary', 'sparse', 'input', null];
/** Extensions read (sharp's prebuilt libvips decodes these; it has no BMP or PPM loader). */
export const IMAGE_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff', 'gif'];

export interface FlowFromDirectoryArgs extends IteratorArgs {
  /** [height, width] every image is resized to (default [256, 256]). */
  readonly targetSize?: readonly [number, number];
  /** 'grayscale', 'rgb' (default) or 'rgba'. */
  readonly colorMode?: ColorMode;
  /** Class sub-folder names in label order (default: every sub-folder, sorted). */
  readonly classes?: readonly string[];
  /** Labels: 'categorical' one-hot (default), 'binary' 0/1, 'sparse' index, 'input' the images, null none. */
  readonly classMode?: ClassMode;
  /** 'training' or 'validation' when the generator has a validationSplit. */
  readonly subset?: 'training' | 'validation';
  /** Resampling of the resize (default 'nearest'). */
  readonly interpolation?: Interpolation;
  readonly keepAspectRatio?: boolean;
  readonly followLinks?: boolean;
  /** Print "Found N images belonging to K classes." (default true, as Keras). */
  readonly verbose?: boolean;
}

const WHERE = 'flowFromDirectory';

export function listClassDirs(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((d) => d.isDirectory() || (d.isSymbolicLink() && statSync(join(directory, d.name)).isDirectory()))
    .map((d) => d.name)
    .sort();
}

/** Image files (or files with these extensions) under a class folder, recursively, in sorted walk order (paths relative to root). */
export function listImages(root: string, dir: string, followLinks: boolean, extensions: readonly string[] = IMAGE_EXTENSIONS): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  const subdirs: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    const isDir = e.isDirectory() || (followLinks && e.isSymbolicLink() && statSync(full).isDirectory());
    if (isDir) subdirs.push(full);
    else if (extensions.includes(e.name.split('.').pop()?.toLowerCase() ?? '')) files.push(relative(root, full).split(sep).join('/'));
  }
  for (const d of subdirs) files.push(...listImages(root, d, followLinks, extensions));
  return files;
}

export class DirectoryIterator<B extends ImageBatch = ImageBatch> extends ImageIterator<B> {
  /** Class name → label index. */
  readonly classIndices: Record<string, number>;
  /** Paths of the images relative to the directory ('class/file.png'), in label order. */
  readonly filenames: string[];
  /** The label of each image. */
  readonly classes: Int32Array;
  readonly numClasses: number;
  readonly targetSize: readonly [number, number];
  readonly colorMode: ColorMode;
  readonly classMode: ClassMode;
  readonly imageShape: [number, number, number];
  private readonly interpolation: Interpolation;
  private readonly keepAspectRatio: boolean;

  constructor(readonly directory: string, readonly generator: ImageDataGenerator, args: FlowFromDirectoryArgs = {}) {
    const found = DirectoryIterator.scan(directory, generator, args);
    super(found.filenames.length, args, WHERE);
    this.classIndices = found.classIndices;
    this.filenames = found.filenames;
    this.classes = found.classes;
    this.numClasses = Object.keys(found.classIndices).length;
    this.targetSize = args.targetSize ?? [256, 256];
    this.colorMode = args.colorMode ?? 'rgb';
    this.classMode = args.classMode === undefined ? 'categorical' : args.classMode;
    this.interpolation = args.interpolation ?? 'nearest';
    this.keepAspectRatio = args.keepAspectRatio ?? false;
    this.imageShape = [this.targetSize[0], this.targetSize[1], this.colorMode === 'grayscale' ? 1 : this.colorMode === 'rgb' ? 3 : 4];
    if (this.classMode === 'binary' && this.numClasses !== 2) throw new RangeError(`${WHERE}: classMode 'binary' needs exactly 2 classes; ${directory} has ${this.numClasses}`);
    if (args.verbose ?? true) console.log(`Found ${this.n} images belonging to ${this.numClasses} classes.`);
  }

  /** Number of images. */
  get samples(): number {
    return this.n;
  }

  private static scan(directory: string, generator: ImageDataGenerator, args: FlowFromDirectoryArgs): { classIndices: Record<string, number>; filenames: string[]; classes: Int32Array } {
    checkImageArgs(args, WHERE);
    if (args.targetSize === undefined) checkImageArgs({ targetSize: [256, 256] }, WHERE);
    if (!CLASS_MODES.includes(args.classMode === undefined ? 'categorical' : args.classMode)) {
      throw new RangeError(`${WHERE}: classMode must be one of 'categorical', 'binary', 'sparse', 'input' or null; got '${String(args.classMode)}'`);
    }
    if (typeof directory !== 'string' || !existsSync(directory)) throw new Error(`${WHERE}: the directory ${String(directory)} does not exist`);
    if (!statSync(directory).isDirectory()) throw new Error(`${WHERE}: ${directory} is not a directory`);
    const names = args.classes ? [...args.classes] : listClassDirs(directory);
    if (names.length === 0) throw new Error(`${WHERE}: ${directory} has no class sub-folders (expected one sub-folder of images per class, e.g. ${join(directory, 'cats')}/, ${join(directory, 'dogs')}/)`);
    let split: [number, number] | null = null;
    if (args.subset !== undefined) {
      if (args.subset !== 'training' && args.subset !== 'validation') throw new RangeError(`${WHERE}: subset must be 'training' or 'validation'; got '${String(args.subset)}'`);
      const v = generator.settings.validationSplit;
      if (v === 0) throw new RangeError(`${WHERE}: subset '${args.subset}' needs a validationSplit in the ImageDataGenerator`);
      split = args.subset === 'validation' ? [0, v] : [v, 1];
    }
    const classIndices: Record<string, number> = {};
    const filenames: string[] = [];
    const labels: number[] = [];
    names.forEach((name, label) => {
      classIndices[name] = label;
      const dir = join(directory, name);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${WHERE}: the class folder ${dir} does not exist`);
      let files = listImages(directory, dir, args.followLinks ?? false);
      if (split) files = files.slice(Math.floor(split[0] * files.length), Math.floor(split[1] * files.length));
      for (const f of files) {
        filenames.push(f);
        labels.push(label);
      }
    });
    if (filenames.length === 0) {
      throw new Error(`${WHERE}: no images found in ${directory}${args.subset ? ` (subset '${args.subset}')` : ''} (looked for ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(', ')} files in the class sub-folders ${names.join(', ')})`);
    }
    return { classIndices, filenames, classes: Int32Array.from(labels) };
  }

  /** Reads, decodes and resizes one image (errors name the file). */
  private async load(i: number): Promise<Float32Array> {
    const path = join(this.directory, this.filenames[i]);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new Error(`${WHERE}: cannot read ${path}: ${(e as Error).message}`);
    }
    const img = await decodeImage(bytes, { colorMode: this.colorMode, targetSize: this.targetSize, interpolation: this.interpolation, keepAspectRatio: this.keepAspectRatio }, path);
    return img.data;
  }

  protected async batchFor(indices: Int32Array): Promise<B> {
    return (await this.buildBatch(indices)) as B;
  }

  private async buildBatch(indices: Int32Array): Promise<ImageBatch> {
    const shape = this.imageShape;
    const per = shape[0] * shape[1] * shape[2];
    // Draw the random transforms now, in request order, so that seeded batches do not depend on file timing.
    const params = Array.from(indices, () => this.generator.getRandomTransform(shape, this.rng));
    const images = await Promise.all(Array.from(indices, (i) => this.load(i)));
    let out: Float32Array = new Float32Array(indices.length * per);
    images.forEach((img, b) => this.generator.transformInto(img, out.subarray(b * per, (b + 1) * per), shape, params[b]));
    out = this.generator.standardizeBatch(out, [indices.length, ...shape]);
    const x = tensor(out, [indices.length, ...shape]);
    switch (this.classMode) {
      case null:
        return x;
      case 'input':
        return [x, tensor(Float32Array.from(out), x.shape)];
      case 'categorical': {
        const y = new Float32Array(indices.length * this.numClasses);
        indices.forEach((i, b) => (y[b * this.numClasses + this.classes[i]] = 1));
        return [x, tensor(y, [indices.length, this.numClasses])];
      }
      default:
        return [x, tensor(Float32Array.from(indices, (i) => this.classes[i]), [indices.length])];
    }
  }
}
