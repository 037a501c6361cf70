import { Gpu } from './runtime.js';

/**
 * Acquiring a WebGPU device: `navigator.gpu` in browsers, the `webgpu` npm package (Dawn,
 * shipped inside the package) in Node. Returns the device with the adapter's largest
 * storage limits, or throws with the reason (no WebGPU here, no adapter, device refused).
 */
type NodeProcess = { versions?: { node?: string } };

async function gpuEntry(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!proc?.versions?.node) throw new Error('this environment has no WebGPU (navigator.gpu is missing)');
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    // A variable specifier: bundlers for the browser must not try to resolve Dawn.
    const name = 'webgpu';
    mod = (await import(name)) as typeof mod;
  } catch (e) {
    throw new Error(`the 'webgpu' npm package (Dawn) is not installed or does not load here: ${(e as Error).message}`);
  }
  // GPUBufferUsage, GPUMapMode … as globals, like a browser's.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return mod.create([]);
}

export async function requestGpu(): Promise<Gpu> {
  const entry = await gpuEntry();
  const adapter = await entry.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new Error(
      'WebGPU found no adapter (no GPU driver; on a machine without a GPU, install a Vulkan driver such as SwiftShader: ' +
        'apt-get install libvulkan1 chromium, then VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)',
    );
  }
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    },
  });
  const info = adapter.info;
  // The entry point is kept with the device: in Node, Dawn stops processing events (map
  // callbacks never fire) once its instance is garbage-collected.
  return new Gpu(device, { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description }, entry);
}
