export * from './idx.js';
export { getFile, findDatasetFiles, datasetsDir, type GetFileOptions, type FileHashes, type WantedFile } from './files.js';
export { DownloadError, type DownloadFailure } from './download.js';
export { DatasetUnavailableError, type DatasetLoader, type DatasetOptions } from './resolve.js';
export type { Cifar100Options } from './cifar.js';
export * as datasets from './loaders.js';
