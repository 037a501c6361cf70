export * from './generator.js';
export * from './iterator.js';
export * from './array-iterator.js';
export * from './directory-iterator.js';
export { loadImg, saveImg, decodeImage, type LoadImgArgs, type SaveImgArgs, type ColorMode, type Interpolation, type DecodedImage } from './io.js';
export { transformMatrix, warpAffine, type FillMode, type TransformParams, type Affine } from './affine.js';
export type { ImageDataGeneratorArgs } from './options.js';
export { fromPixels, type PixelData, type PixelSource } from './pixels.js';
