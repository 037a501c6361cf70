/**
 * A WebGPU device for tests. On a machine without a GPU, Dawn finds SwiftShader's Vulkan
 * driver through VK_ICD_FILENAMES (the ICD file ships with Debian's chromium; setup.sh
 * installs it and libvulkan1); it is set here when the caller has not set it.
 */
import { existsSync } from 'node:fs';
import type { Gpu } from '../../src/backends/webgpu/runtime.js';
import { requestGpu } from '../../src/backends/webgpu/device.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

let gpu: Gpu | null = null;
let failure: string | null = null;
try {
  gpu = await requestGpu();
} catch (e) {
  failure = (e as Error).message;
}

/** The test device, or null with `gpuFailure` saying why. */
export const testGpu: Gpu | null = gpu;
export const gpuFailure: string | null = failure;
