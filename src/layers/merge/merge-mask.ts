import type { Tensor } from '../../tensor/tensor.js';
import { ones } from '../../tensor/create.js';
import { concat, mul } from '../../ops/index.js';
import type { Mask, MaskArg } from '../layer.js';

/**
 * The output mask of a merge layer (Keras _Merge / Concatenate compute_mask): null when no
 * input has a mask; else the AND (product of the 0/1 masks) of the inputs' masks, or, for
 * a concatenation along an axis the masks have (e.g. time), the masks joined along it
 * (inputs without a mask count as all ones).
 */
export function mergedMask(inputs: readonly Tensor[], mask: MaskArg | undefined, concatAxis: number | null = null): Mask {
  if (!Array.isArray(mask)) return null;
  const ms = mask as readonly Mask[];
  const present = ms.filter((m): m is Tensor => m !== null);
  if (present.length === 0) return null;
  const rank = present[0].rank;
  if (concatAxis !== null && concatAxis < rank) {
    return concat(ms.map((m, i) => m ?? ones(inputs[i].shape.slice(0, rank))), concatAxis);
  }
  return present.reduce((a, b) => mul(a, b));
}
