/**
 * Prints the kernel model's constants fitted on all shipped Vidur profiles of each device, rounded, in the form
 * src/compute/devices.ts holds them. Run: node --import tsx scripts/fit-kernel-constants.ts
 */
import { roundConstants } from '../src/compute/index.ts';
import { fitDevice } from '../src/api/validate/kernels.ts';

for (const dev of ['a100', 'h100', 'a40']) {
  console.log(`${dev}: ${JSON.stringify(roundConstants(fitDevice(dev)))}`);
}
