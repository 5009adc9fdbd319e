/**
 * Device presets and the roofline moved to src/compute/ (devices.ts, roofline.ts); re-exported here so existing
 * imports keep working. `ComputeModel` here is the old name of the roofline's settings (compute's RooflineSettings).
 */
export { DEVICES, deviceNames, getDevice, rooflineNs, type DevicePreset, type RooflineSettings as ComputeModel } from '../compute/index.ts';
